import {TokenBatonError} from './token-baton-error.js';

/**
 * Why a login step failed. The first eight are token-baton's own:
 * - `state_mismatch`: the authorization response has no usable `state` (missing or repeated), so
 *   it cannot belong to a login started here (a forged or mangled response).
 * - `unknown_flow`: no login with this `state` is pending in this tab: it was already completed
 *   (a reload or the back button), it expired (10 minutes), or it was started in another browser
 *   or tab. The code in the URL was not sent anywhere.
 * - `iss_mismatch`: the response names another issuer than the one configured, or lacks the `iss`
 *   the server promises (RFC 9207): a mix-up with another authorization server.
 * - `discovery_failed`: the server's metadata could not be fetched or is unusable.
 * - `exchange_failed`: the token endpoint refused the code or answered something unusable
 *   (`error` holds its OAuth error, such as `invalid_grant`), or the session could not be started.
 * - `invalid_id_token`: the ID token's claims do not hold (issuer, audience, nonce, expiry…).
 * - `invalid_response`: the authorization response is malformed (a repeated parameter, tokens in
 *   the URL).
 * - `storage_unavailable`: sessionStorage cannot be used, so no login can be started in this tab.
 *
 * Any other value is the authorization server's own `error` from the redirect, such as
 * `access_denied` (the user cancelled), `login_required` or `consent_required` (after
 * `prompt=none`), `invalid_scope` or `server_error`.
 */
export type LoginErrorCode =
	| 'state_mismatch'
	| 'unknown_flow'
	| 'iss_mismatch'
	| 'discovery_failed'
	| 'exchange_failed'
	| 'invalid_id_token'
	| 'invalid_response'
	| 'storage_unavailable'
	| 'access_denied'
	| 'login_required'
	| 'consent_required'
	| 'interaction_required'
	| (string & {});

/**
 * A login, callback or logout step of `token-baton/login` failed. Branch on `code`, which is
 * stable; `message` is for logs. Nothing in it ever holds a token.
 *
 * @example
 * ```ts
 * try {
 *   await login.handleCallback();
 * } catch (error) {
 *   if (error instanceof LoginError && error.code === 'access_denied') showMessage('Login cancelled.');
 *   else throw error;
 * }
 * ```
 */
export class LoginError extends TokenBatonError {
	/** `'LoginError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'LoginError';
	/** Always `'LoginError'`, also in minified bundles. */
	declare readonly name: 'LoginError';

	/** What failed: see {@link LoginErrorCode}. */
	declare readonly code: LoginErrorCode;
	/** The OAuth `error` the server sent: the redirect's, or the token endpoint's with `exchange_failed`. */
	readonly error: string | undefined;
	/** The server's `error_description`, when it sent one. Meant for logs, not for users. */
	readonly errorDescription: string | undefined;
	/** HTTP status of the response behind the failure, when there was one. */
	readonly status: number | undefined;

	/** Thrown by `token-baton/login`; `detail` completes the message (never a token). */
	constructor(code: LoginErrorCode, detail: string, options: {error?: string; description?: string; status?: number; cause?: unknown} = {}) {
		super(code, `login: ${code}: ${detail}${options.description ? ` (${options.description})` : ''}`, {cause: options.cause});
		this.error = options.error;
		this.errorDescription = options.description;
		this.status = options.status;
	}
}
