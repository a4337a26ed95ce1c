import {TokenBatonError} from './token-baton-error.js';

/**
 * Why a refresh failed for now: `'network'` (no response), `'timeout'` (no response within
 * `requestTimeoutSeconds`), `'server'` (5xx or 408) or `'rate-limited'` (429).
 */
export type TransientReason = 'network' | 'timeout' | 'server' | 'rate-limited';

/**
 * A refresh failed for a reason that may pass (network down, timeout, 5xx, 429).
 * The session is kept and the refresh is retried with backoff; `getAccessToken()` only
 * rejects with this once the current access token has expired.
 */
export class TransientRefreshError extends TokenBatonError {
	declare readonly code: 'ERR_REFRESH_TRANSIENT';
	/** `'TransientRefreshError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'TransientRefreshError';
	/** Always `'TransientRefreshError'`, also in minified bundles. */
	declare readonly name: 'TransientRefreshError';

	/** What kind of failure it was. */
	readonly reason: TransientReason;
	/** HTTP status of the response, when there was one. */
	readonly status: number | undefined;
	/** Epoch milliseconds before which the next attempt will not be made. */
	retryAt: number | undefined;

	/** `status` is the HTTP status when there was a response; `cause` the network or timeout error. */
	constructor(reason: TransientReason, message: string, options: {status?: number; cause?: unknown} = {}) {
		super('ERR_REFRESH_TRANSIENT', message, {cause: options.cause});
		this.reason = reason;
		this.status = options.status;
	}
}
