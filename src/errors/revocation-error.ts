import {TokenBatonError} from './token-baton-error.js';

/**
 * `logout()` could not revoke the refresh token (RFC 7009): no response (`cause` says why)
 * or an answer other than 2xx (`status`). Emitted with the `revocation-failed` warning; the
 * session has ended anyway.
 */
export class RevocationError extends TokenBatonError {
	declare readonly code: 'ERR_REVOCATION';
	/** `'RevocationError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'RevocationError';
	/** Always `'RevocationError'`, also in minified bundles. */
	declare readonly name: 'RevocationError';

	/** HTTP status of the revocation endpoint's answer, when there was one. */
	readonly status: number | undefined;

	/** `status` when the endpoint answered, `cause` when the request itself failed. */
	constructor(options: {status?: number; cause?: unknown}) {
		super('ERR_REVOCATION', `revocation failed${options.status ? `: HTTP ${options.status}` : ''}`, {cause: options.cause});
		this.status = options.status;
	}
}
