import {TokenBatonError} from './token-baton-error.js';

/**
 * The authorization server refused the refresh with an RFC 6749 §5.2 error
 * (`invalid_grant`, `invalid_client`, …). Retrying cannot succeed, so the session ends.
 *
 * A custom `refresh` function throws this to end the session on purpose:
 * `throw new OAuthError('invalid_grant')`.
 *
 * @example
 * ```ts
 * const auth = createTokenManager({
 *   refresh: async (refreshToken, {signal}) => {
 *     const response = await fetch('/session/refresh', {method: 'POST', body: refreshToken, signal});
 *     if (response.status === 400) throw new OAuthError('invalid_grant', {status: 400});
 *     return response.json(); // anything else thrown counts as transient and is retried
 *   },
 * });
 * ```
 */
export class OAuthError extends TokenBatonError {
	declare readonly code: 'ERR_OAUTH';
	/** `'OAuthError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'OAuthError';
	/** Always `'OAuthError'`, also in minified bundles. */
	declare readonly name: 'OAuthError';

	/** The OAuth `error` code, for example `invalid_grant`. */
	readonly error: string;
	/** The server's `error_description`, when it sent one. Meant for logs, not for users. */
	readonly errorDescription: string | undefined;
	/** HTTP status of the response, when there was one. */
	readonly status: number | undefined;

	/**
	 * @param error - The RFC 6749 §5.2 `error` code, e.g. `'invalid_grant'`; it becomes the `signed-out` reason.
	 * @param options - The server's `error_description` and the HTTP status, when known.
	 */
	constructor(error: string, options: {description?: string; status?: number} = {}) {
		super('ERR_OAUTH', `refresh refused: ${error}`);
		this.error = error;
		this.errorDescription = options.description;
		this.status = options.status;
	}
}
