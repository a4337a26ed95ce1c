import {TokenBatonError} from './token-baton-error.js';

/**
 * A token response (from the token endpoint, a custom `refresh` function or `setTokens`)
 * is not a usable OAuth token response: HTML, invalid JSON, a missing `access_token`,
 * fields of the wrong type. Nothing stored changes.
 */
export class InvalidResponseError extends TokenBatonError {
	/** `ERR_INVALID_RESPONSE`. */
	static override readonly code = 'ERR_INVALID_RESPONSE';
	declare readonly code: 'ERR_INVALID_RESPONSE';
	/** Always `'InvalidResponseError'`, also in minified bundles. */
	override readonly name = 'InvalidResponseError';

	/** `cause` carries the underlying parse error, when there is one. */
	constructor(message: string, options?: {cause?: unknown}) {
		super(InvalidResponseError.code, message, options);
	}
}
