import type {DpopClient} from '../dpop/dpop-client.js';
import type {TokenBatonError} from '../errors/token-baton-error.js';
import type {SessionRepository} from '../storage/session-repository.js';
import type {Generation, StoredSession} from '../storage/stored-session.js';
import type {SignedOutReason, TokenSource, WarningCode} from '../types/events.js';
import type {AuthState} from '../types/session.js';
import type {ResolvedOptions} from './options.js';
import type {AccessTokens, RefreshPart, Session} from './session.js';

/**
 * What the manager's parts (the refresh runner and flow, the tab exchange) may read of the
 * session and do to it. Every change goes through these named transitions, which emit the
 * events and reschedule; nothing else touches the session.
 */
export type SessionControl = {
	readonly options: ResolvedOptions;
	readonly repository: SessionRepository;
	/** Aborted by `destroy()` only: a request runs on past a logout, so that what it minted can be revoked. */
	readonly alive: AbortSignal;
	state(): AuthState;
	/** The current session; undefined when signed out. */
	session(): Session | undefined;
	/** Aborted when the current session ends or another replaces it: work begun for it is stale from then on. */
	work(): AbortSignal;
	/** The current session holds a token `getAccessToken` may hand out without a refresh. */
	hasFreshToken(rejectedToken?: string): boolean;
	/** Start or join a session (a login here or in another tab, a restored one). */
	signIn(gen: Generation, refresh: RefreshPart, access: AccessTokens | undefined, source: 'login' | 'tab' | 'restore'): Session;
	/** The session moves to generation `gen` with new tokens. */
	takeTokens(gen: Generation, refresh: RefreshPart, access: AccessTokens, source: TokenSource): Session;
	/** Another tab stored a newer refresh token (or another login): take it over. */
	adoptStored(stored: StoredSession): void;
	/** End the session in this tab only. */
	signOut(reason: SignedOutReason): void;
	/** End the session in every tab, leaving the reason in storage. */
	endSession(reason: SignedOutReason): Promise<void>;
	warn(code: WarningCode, message: string, error?: TokenBatonError): void;
	/** Look at the clock again (a refresh finished, a backoff changed). */
	tick(): void;
	/** The DPoP client (src/dpop/), loaded on first use; rejects with `DpopError('off')` without the `dpop` option. */
	dpop(): Promise<DpopClient>;
};
