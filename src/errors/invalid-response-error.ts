import {TokenBatonError} from './token-baton-error.js';

/**
 * A token response (from the token endpoint, a custom `refresh` function or `setTokens`)
 * is not a usable OAuth token response: HTML, invalid JSON, a missing `access_token`,
 * fields of the wrong type. Nothing stored changes.
 */
export class InvalidResponseError extends TokenBatonError {
	declare readonly code: 'ERR_INVALID_RESPONSE';
	/** `'InvalidResponseError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'InvalidResponseError';
	/** Always `'InvalidResponseError'`, also in minified bundles. */
	declare readonly name: 'InvalidResponseError';

	/** `cause` carries the underlying parse error, when there is one. */
	constructor(message: string, options?: {cause?: unknown}) {
		super('ERR_INVALID_RESPONSE', message, options);
	}
}
