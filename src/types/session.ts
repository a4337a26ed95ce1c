/** `auth.state`: `'loading'` until `ready` resolves, then whether there is a session. */
export type AuthState = 'loading' | 'signed-in' | 'signed-out';

/**
 * What the app may read about the current session (`auth.session`). The access token is not
 * part of it. The same object is returned until one of these fields changes (the `session`
 * event says when), so a UI can compare it by identity.
 */
export type SessionInfo = {
	/** When the access token expires (epoch ms), or undefined when unknown or not yet fetched. */
	readonly expiresAt: number | undefined;
	/** When this tab will refresh next (epoch ms), or undefined when it refreshes only on demand. */
	readonly refreshAt: number | undefined;
	/** When the refresh token expires (epoch ms), when known. */
	readonly refreshExpiresAt: number | undefined;
	/** The access token's scope, as the token response gave it. */
	readonly scope: string | undefined;
	/** The OpenID Connect ID token of the latest response that carried one (not verified by token-baton). */
	readonly idToken: string | undefined;
};
