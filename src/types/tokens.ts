/**
 * What an OAuth 2.0 token endpoint returns (RFC 6749 §5.1), as `setTokens` and a custom
 * `refresh` function accept it. Unknown fields are ignored.
 */
export type TokenResponse = {
	/** The access token. Kept in memory only, never stored. */
	access_token: string;
	/** `Bearer` (any case). Omitted is read as `Bearer`; any other type is rejected. */
	token_type?: string;
	/** Access-token lifetime in seconds, counted from when this tab received the response. */
	expires_in?: number | string;
	/** A new refresh token. When present it replaces the stored one (rotation). */
	refresh_token?: string;
	/** The granted scope, space-separated; shown in `auth.session.scope`. */
	scope?: string;
	/** An OpenID Connect ID token, passed through to `auth.session.idToken`; token-baton does not validate it. */
	id_token?: string;
	/** Refresh-token lifetime in seconds (Keycloak's name). */
	refresh_expires_in?: number | string;
	/** Refresh-token lifetime in seconds (the name some other servers use). */
	refresh_token_expires_in?: number | string;
};

/** Context a custom `refresh` function receives. */
export type RefreshContext = {
	/** Aborted on timeout, logout or `destroy()`. Pass it to `fetch`. */
	signal: AbortSignal;
};

/**
 * A custom refresh: exchange `refreshToken` for a new token response (the JSON, validated like
 * the token endpoint's). Throw `OAuthError` to end the session; anything else thrown is
 * transient.
 *
 * @example
 * ```ts
 * const refresh: RefreshFunction = async (refreshToken, {signal}) => {
 *   const response = await fetch('/bff/refresh', {method: 'POST', body: refreshToken, signal});
 *   return response.json();
 * };
 * ```
 */
export type RefreshFunction = (refreshToken: string, context: RefreshContext) => Promise<unknown>;
