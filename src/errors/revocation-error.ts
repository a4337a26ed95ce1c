import {TokenBatonError} from './token-baton-error.js';

/**
 * `logout()` could not revoke the refresh token (RFC 7009): no response (`cause` says why)
 * or an answer other than 2xx (`status`). Emitted with the `revocation-failed` warning; the
 * session has ended anyway.
 */
export class RevocationError extends TokenBatonError {
	/** `ERR_REVOCATION`. */
	static override readonly code = 'ERR_REVOCATION';
	declare readonly code: 'ERR_REVOCATION';
	/** Always `'RevocationError'`, also in minified bundles. */
	override readonly name = 'RevocationError';

	/** HTTP status of the revocation endpoint's answer, when there was one. */
	readonly status: number | undefined;

	/** `status` when the endpoint answered, `cause` when the request itself failed. */
	constructor(options: {status?: number; cause?: unknown}) {
		super(RevocationError.code, `revocation failed${options.status ? `: HTTP ${options.status}` : ''}`, {cause: options.cause});
		this.status = options.status;
	}
}
