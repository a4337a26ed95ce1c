import {TokenBatonError} from './token-baton-error.js';

/**
 * The authorization server refused the refresh with an RFC 6749 §5.2 error
 * (`invalid_grant`, `invalid_client`, …). Retrying cannot succeed, so the session ends.
 *
 * A custom `refresh` function throws this to end the session on purpose:
 * `throw new OAuthError('invalid_grant')`.
 */
export class OAuthError extends TokenBatonError {
	/** The OAuth `error` code, for example `invalid_grant`. */
	readonly error: string;
	readonly errorDescription: string | undefined;
	/** HTTP status of the response, when there was one. */
	readonly status: number | undefined;

	constructor(error: string, options: {description?: string; status?: number} = {}) {
		super('ERR_OAUTH', `refresh refused: ${error}`);
		this.error = error;
		this.errorDescription = options.description;
		this.status = options.status;
	}
}
