import type {TokenBatonError} from '../errors/token-baton-error.js';

/** Why a session ended: `logout`, `refresh-token-expired`, or the OAuth error code (`invalid_grant`, `invalid_client`…). */
export type SignedOutReason = 'logout' | 'refresh-token-expired' | 'session-removed' | (string & {});

/** Where a new access token came from. */
export type TokenSource = 'login' | 'refresh' | 'tab';

export type TokenManagerEvents = {
	/** A session started in this tab: a login here or in another tab, or a restored session. */
	'signed-in': {source: 'login' | 'tab' | 'restore'};
	/** The session ended, in this tab or in another one. */
	'signed-out': {reason: SignedOutReason};
	/** A new access token is available. `expiresAt` is epoch ms, or undefined when unknown. */
	token: {expiresAt: number | undefined; source: TokenSource};
	/** A refresh failed but the session is kept (network, 5xx, 429, lock timeout, malformed response). */
	error: {error: TokenBatonError};
	/**
	 * Something the app should know about: storage unavailable or discarded, the refresh
	 * token about to expire, a revocation that failed, a body that could not be replayed.
	 */
	warning: {code: WarningCode; message: string; error?: TokenBatonError; expiresAt?: number};
};

export type WarningCode =
	| 'storage-unavailable'
	| 'storage-discarded'
	| 'refresh-token-expiring'
	| 'revocation-failed'
	| 'result-discarded'
	| 'request-not-retried';

export type TokenManagerEventName = keyof TokenManagerEvents;
export type Listener<E extends TokenManagerEventName> = (event: TokenManagerEvents[E]) => void;
