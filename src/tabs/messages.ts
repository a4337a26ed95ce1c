import type {Session} from '../core/session.js';
import type {Generation} from '../storage/stored-session.js';
import type {TokenSet} from '../tokens/token-set.js';

/**
 * The tab protocol, version 1. Every message carries `protocol`, `v` and the sender's
 * random tab id. Tokens appear only in messages sent over a native BroadcastChannel.
 */
export type TabMessage =
	/** New tokens: after a refresh (`login: false`) or a login (`login: true`). Tokens absent over a storage-backed transport. */
	| {type: 'tokens'; login: boolean; gen: Generation; tokens?: SharedTokens}
	| {type: 'signed-out'; reason: string}
	/** A tab without an access token asks the others for theirs. */
	| {type: 'token-request'; id: string}
	| {type: 'token-response'; id: string; gen: Generation; tokens: SharedTokens}
	/** A tab could not write to IndexedDB: from now on the session lives in the tabs' memory and the channel. */
	| {type: 'memory-only'}
	/**
	 * A DPoP nonce (src/dpop/nonce-store.ts): `id` the origin that sent it, `reason` the nonce
	 * (the fields the validator already reads: the start chunk is at its budget). Without `id`,
	 * a tab that starts asks for the nonces known.
	 */
	| {type: 'nonce'; id?: string; reason?: string};

/** What a tab needs to adopt another tab's session without a request of its own: a token set, in local time. */
export type SharedTokens = TokenSet;

/**
 * The tokens of `session` as they go to the other tabs: these fields and nothing else, so
 * that this tab's own state (its refresh plan, a refused token, warnings) never travels.
 */
export function sharedTokens(session: Pick<Session, keyof SharedTokens>): SharedTokens {
	const {accessToken, expiresAt, refreshToken, refreshExpiresAt, scope, idToken} = session;
	return {accessToken: accessToken!, expiresAt, refreshToken, refreshExpiresAt, scope, idToken};
}

export type Envelope = TabMessage & {protocol: typeof PROTOCOL; v: typeof VERSION; from: string};

export const PROTOCOL = 'token-baton';
export const VERSION = 1;

// Real tokens are far smaller; anything larger is not ours and is not worth holding.
const MAX_TOKEN = 64 * 1024;
const MAX_ID = 200;

/** The message, if `data` is a well-formed message of this protocol from another tab; otherwise undefined. */
export function readMessage(data: unknown, ownTabId: string): Envelope | undefined {
	if (!isObject(data) || data.protocol !== PROTOCOL || data.v !== VERSION || !isId(data.from) || data.from === ownTabId) return undefined;
	const {type, id, reason, login} = data;
	const gen = readGeneration(data.gen);
	// null: present but malformed.
	const tokens = data.tokens === undefined ? undefined : readTokens(data.tokens);
	const valid = type === 'tokens' ? typeof login === 'boolean' && gen && tokens !== null
		: type === 'signed-out' ? isId(reason)
		: type === 'token-request' ? isId(id)
		: type === 'memory-only' ? true
		: type === 'nonce' ? id === undefined || isId(id) && isToken(reason)
		: type === 'token-response' && isId(id) && gen && tokens;
	// Rebuilt from the checked fields only: nothing else a sender put in reaches the manager.
	return valid ? {protocol: PROTOCOL, v: VERSION, from: data.from, type, id, reason, login, gen, tokens} as Envelope : undefined;
}

function readGeneration(value: unknown): Generation | undefined {
	if (!isObject(value) || !isId(value.sid) || !Number.isSafeInteger(value.n) || (value.n as number) < 0) return undefined;
	return {sid: value.sid, n: value.n as number};
}

function readTokens(value: unknown): SharedTokens | null {
	if (!isObject(value)) return null;
	const {accessToken, expiresAt, refreshToken, refreshExpiresAt, scope, idToken} = value;
	const valid = isToken(accessToken)
		&& isTime(expiresAt) && isTime(refreshExpiresAt)
		&& (refreshToken === undefined || isToken(refreshToken))
		&& (idToken === undefined || isToken(idToken))
		&& (scope === undefined || (typeof scope === 'string' && scope.length <= MAX_TOKEN));
	// Rebuilt from the checked fields only.
	return valid ? sharedTokens(value as SharedTokens) : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
}

function isToken(value: unknown): value is string {
	return typeof value === 'string' && value.length <= MAX_TOKEN && /^[\x21-\x7E]+$/.test(value);
}

function isTime(value: unknown): boolean {
	return value === undefined || Number.isFinite(value);
}
