import type {Generation} from '../storage/stored-session.js';

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
	| {type: 'token-response'; id: string; gen: Generation; tokens: SharedTokens};

/** What a tab needs to adopt another tab's session without a request of its own. */
export type SharedTokens = {
	accessToken: string;
	expiresAt: number | undefined;
	refreshToken: string | undefined;
	refreshExpiresAt: number | undefined;
	scope: string | undefined;
	idToken: string | undefined;
};

export type Envelope = TabMessage & {protocol: typeof PROTOCOL; v: typeof VERSION; from: string};

export const PROTOCOL = 'token-baton';
export const VERSION = 1;

// Real tokens are far smaller; anything larger is not ours and is not worth holding.
const MAX_TOKEN = 64 * 1024;
const MAX_ID = 200;

/** The message, if `data` is a well-formed message of this protocol from another tab; otherwise undefined. */
export function readMessage(data: unknown, ownTabId: string): Envelope | undefined {
	if (!isObject(data) || data.protocol !== PROTOCOL || data.v !== VERSION) return undefined;
	if (!isId(data.from) || data.from === ownTabId) return undefined;
	switch (data.type) {
		case 'tokens': {
			if (typeof data.login !== 'boolean' || !isGeneration(data.gen)) return undefined;
			if (data.tokens !== undefined && !isSharedTokens(data.tokens)) return undefined;
			return pick(data, {type: 'tokens', login: data.login, gen: copyGeneration(data.gen), tokens: data.tokens && copyTokens(data.tokens)});
		}

		case 'signed-out': {
			if (!isId(data.reason)) return undefined;
			return pick(data, {type: 'signed-out', reason: data.reason});
		}

		case 'token-request': {
			if (!isId(data.id)) return undefined;
			return pick(data, {type: 'token-request', id: data.id});
		}

		case 'token-response': {
			if (!isId(data.id) || !isGeneration(data.gen) || !isSharedTokens(data.tokens)) return undefined;
			return pick(data, {type: 'token-response', id: data.id, gen: copyGeneration(data.gen), tokens: copyTokens(data.tokens)});
		}

		default: {
			return undefined;
		}
	}
}

// Rebuilt from the checked fields only: nothing else a sender put in reaches the manager.
function pick(data: Record<string, unknown>, message: TabMessage): Envelope {
	return {...message, protocol: PROTOCOL, v: VERSION, from: data.from as string};
}

function copyGeneration({sid, n}: Generation): Generation {
	return {sid, n};
}

function copyTokens(tokens: SharedTokens): SharedTokens {
	const {accessToken, expiresAt, refreshToken, refreshExpiresAt, scope, idToken} = tokens;
	return {accessToken, expiresAt, refreshToken, refreshExpiresAt, scope, idToken};
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
}

function isGeneration(value: unknown): value is Generation {
	return isObject(value) && isId(value.sid) && typeof value.n === 'number' && Number.isSafeInteger(value.n) && value.n >= 0;
}

function isToken(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN && /^[\x21-\x7E]+$/.test(value);
}

function isTime(value: unknown): value is number | undefined {
	return value === undefined || (typeof value === 'number' && Number.isFinite(value));
}

function isSharedTokens(value: unknown): value is SharedTokens {
	if (!isObject(value)) return false;
	return isToken(value.accessToken)
		&& isTime(value.expiresAt)
		&& (value.refreshToken === undefined || isToken(value.refreshToken))
		&& isTime(value.refreshExpiresAt)
		&& (value.scope === undefined || (typeof value.scope === 'string' && value.scope.length <= MAX_TOKEN))
		&& (value.idToken === undefined || isToken(value.idToken));
}
