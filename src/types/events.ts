import type {TokenBatonError} from '../errors/token-baton-error.js';
import type {AuthState, SessionInfo} from './session.js';

/**
 * Why a session ended: `'logout'`, `'refresh-token-expired'`, `'session-removed'` (another
 * party wiped the stored session), `'expired'` (a session without a refresh token ran out), or
 * the OAuth error code that ended it (`'invalid_grant'`, `'invalid_client'`, …).
 */
export type SignedOutReason = 'logout' | 'refresh-token-expired' | 'session-removed' | (string & {});

/** Where a new access token came from: a login (`setTokens`), a refresh in this tab, or another tab. */
export type TokenSource = 'login' | 'refresh' | 'tab';

/**
 * Every event of `auth.on(name, listener)`, by name, with the payload its listener receives.
 * Listeners run after the state they report has changed; one that throws never breaks the
 * manager.
 *
 * @example
 * ```ts
 * const off = auth.on('signed-out', ({reason}) => {
 *   if (reason !== 'logout') showLogin(`Your session ended (${reason}).`);
 * });
 * auth.on('warning', ({code, message}) => console.warn(code, message));
 * off(); // unsubscribe
 * ```
 */
export type TokenManagerEvents = {
	/** A session started in this tab: a login here or in another tab, or a restored session. */
	'signed-in': {
		/** `'login'`: `setTokens` here; `'tab'`: a login in another tab; `'restore'`: the stored session on load. */
		source: 'login' | 'tab' | 'restore';
	};
	/** The session ended, in this tab or in another one. */
	'signed-out': {
		/** Why it ended: see {@link SignedOutReason}. */
		reason: SignedOutReason;
	};
	/**
	 * `auth.state` changed: `'loading'` became `'signed-in'` or `'signed-out'` (also when
	 * `ready` found nothing stored), or a login or logout here or in another tab moved it.
	 */
	state: {
		/** The new `auth.state`. */
		state: AuthState;
	};
	/**
	 * What `auth.session` returns changed: a login, a refresh, another tab's tokens, a logout.
	 * A change that shows nowhere in `SessionInfo` emits nothing, and `auth.session` keeps
	 * returning the same object.
	 */
	session: {
		/** The new `auth.session`: undefined once signed out. */
		session: SessionInfo | undefined;
	};
	/** A new access token is available. `expiresAt` is epoch ms, or undefined when unknown. */
	token: {
		/** When the new access token expires (epoch ms on this tab's clock), or undefined when unknown. */
		expiresAt: number | undefined;
		/** Where it came from: a login, a refresh in this tab, or another tab. */
		source: TokenSource;
	};
	/** A refresh failed but the session is kept (network, 5xx, 429, lock timeout, malformed response). */
	error: {
		/** A `TransientRefreshError`, `LockTimeoutError` or `InvalidResponseError`; a retry is scheduled. */
		error: TokenBatonError;
	};
	/**
	 * Something the app should know about: storage unavailable or discarded, the refresh
	 * token about to expire, a revocation that failed, a body that could not be replayed.
	 */
	warning: {
		/** What happened: see {@link WarningCode}. Branch on this, not on `message`. */
		code: WarningCode;
		/** A short human-readable description, for logs. */
		message: string;
		/** The underlying error, when there is one: a `StorageError` for the storage warnings, a `RevocationError` for `revocation-failed`. */
		error?: TokenBatonError;
		/** With `refresh-token-expiring`: when the refresh token expires (epoch ms). */
		expiresAt?: number;
	};
};

/**
 * The `code` of a `warning` event:
 * - `storage-unavailable`: no usable IndexedDB (or no WebCrypto to encrypt with); the session lives in this tab's memory only.
 * - `storage-discarded`: a stored record was corrupt, foreign or undecryptable and was deleted; the tab starts signed out.
 * - `refresh-token-expiring`: the refresh token expires soon (`expiresAt`); the user will have to log in again then.
 * - `storage-clear-failed`: the session ended, but IndexedDB could not remove it (`error` says why).
 * - `revocation-failed`: `logout()` could not revoke the refresh token (`error`, a `RevocationError`, says why); the session has ended anyway.
 * - `result-discarded`: a refresh finished after the session had ended; its result was dropped (and a new refresh token revoked).
 * - `request-not-retried`: a request that met a 401 had a stream body, which cannot be replayed, so it was not retried.
 */
export type WarningCode =
	| 'storage-unavailable'
	| 'storage-discarded'
	| 'storage-clear-failed'
	| 'refresh-token-expiring'
	| 'revocation-failed'
	| 'result-discarded'
	| 'request-not-retried';

/** The name of an event: `'signed-in'`, `'signed-out'`, `'state'`, `'session'`, `'token'`, `'error'` or `'warning'`. */
export type TokenManagerEventName = keyof TokenManagerEvents;

/**
 * A listener for event `E`, as `auth.on` takes it.
 *
 * @example
 * ```ts
 * const onToken: Listener<'token'> = ({expiresAt, source}) => console.debug(source, expiresAt);
 * auth.on('token', onToken);
 * ```
 */
export type Listener<E extends TokenManagerEventName> = (event: TokenManagerEvents[E]) => void;
