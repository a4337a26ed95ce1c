import {TokenBatonError} from './token-baton-error.js';

/**
 * The cross-tab refresh lock was not granted within `lockTimeoutSeconds` (another tab is hung,
 * or something else holds the lock name). Nothing changed; the next call tries again.
 */
export class LockTimeoutError extends TokenBatonError {
	/** `ERR_LOCK_TIMEOUT`. */
	static override readonly code = 'ERR_LOCK_TIMEOUT';
	declare readonly code: 'ERR_LOCK_TIMEOUT';
	/** Always `'LockTimeoutError'`, also in minified bundles. */
	override readonly name = 'LockTimeoutError';

	/** The message names the lock and how long the wait lasted. */
	constructor(lockName: string, timeoutMs: number) {
		super(LockTimeoutError.code, `lock "${lockName}" not granted within ${timeoutMs} ms`);
	}
}
