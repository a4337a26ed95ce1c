import {TokenBatonError} from './token-baton-error.js';

/**
 * A refresh failed in a way that retrying on a timer cannot fix: a `refresh` function or
 * token-baton itself threw something that is neither an OAuth error nor a transient
 * failure (a `TypeError`, say). `cause` is what was thrown. The session is kept and no
 * retry is scheduled; the next call that needs a token (or a 401) tries once more.
 */
export class RefreshFailedError extends TokenBatonError {
	declare readonly code: 'ERR_REFRESH_FAILED';
	/** `'RefreshFailedError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'RefreshFailedError';
	/** Always `'RefreshFailedError'`, also in minified bundles. */
	declare readonly name: 'RefreshFailedError';

	/** `cause` is the error the refresh threw. */
	constructor(options: {cause: unknown}) {
		super('ERR_REFRESH_FAILED', 'refresh failed unexpectedly', options);
	}
}
