import type {RefreshFunction} from './tokens.js';

/** Options of `createTokenManager`. Invalid values throw `InvalidOptionError` at construction. */
export type TokenManagerOptions = {
	/**
	 * Token endpoint for the RFC 6749 §6 `refresh_token` grant. Give exactly one of
	 * `tokenEndpoint` and `refresh`.
	 */
	tokenEndpoint?: string;
	/** OAuth client id, sent with every refresh and revocation. Required with `tokenEndpoint`. */
	clientId?: string;
	/**
	 * Your own refresh call instead of `tokenEndpoint`: receives the refresh token and an
	 * `AbortSignal`, returns the token response JSON. Throw `OAuthError` to end the session;
	 * any other error is treated as transient (retried with backoff).
	 */
	refresh?: RefreshFunction;
	/** RFC 7009 revocation endpoint. When set, `logout()` revokes the refresh token. */
	revocationEndpoint?: string;
	/** Extra form fields sent with every refresh, such as `{scope: 'openid offline_access'}`. */
	refreshParams?: Record<string, string>;
	/**
	 * Origins, besides the page's own, whose requests through `auth.fetch` and
	 * `token-baton/ky` get the bearer token. Exact origins: `https://api.example.com`.
	 */
	apiOrigins?: readonly string[];
	/** Refresh this many seconds (plus up to 10% jitter) before the access token expires. Default 60. */
	refreshLeewaySeconds?: number;
	/**
	 * Namespaces the IndexedDB store, the lock and the channel, so that two managers on one
	 * origin never collide. Default `'default'`.
	 */
	name?: string;
	/** Timeout of one refresh or revocation request. Default 10. */
	requestTimeoutSeconds?: number;
	/** How long a refresh waits for the cross-tab lock before failing with `LockTimeoutError`. Default 10. */
	lockTimeoutSeconds?: number;
	/**
	 * Refresh-token lifetime in seconds, for servers that do not send `refresh_expires_in` /
	 * `refresh_token_expires_in`. The session ends when it is reached.
	 */
	refreshTokenLifetimeSeconds?: number;
	/** Emit a `refresh-token-expiring` warning this many seconds before the refresh token expires. Default 300. */
	refreshTokenWarningSeconds?: number;
	/**
	 * Encrypt the stored refresh token with AES-GCM under a non-extractable WebCrypto key.
	 * Default `true`. Where WebCrypto is missing (insecure http pages) the session is kept in
	 * memory instead, unless this is `false`.
	 */
	encryptStorage?: boolean;
	/**
	 * DPoP (RFC 9449): bind the tokens to a key pair whose private key never leaves the browser,
	 * so that a copied refresh or access token is refused without it. Proofs go with every
	 * refresh and revocation, and with every `auth.fetch` and `token-baton/ky` request to an
	 * allowed origin (`Authorization: DPoP …`). Needs WebCrypto. Default `false`; its code
	 * loads only when on. See the README's DPoP section.
	 */
	dpop?: boolean;
};
