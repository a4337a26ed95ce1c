import {TokenBatonError} from './token-baton-error.js';

/**
 * The cross-tab refresh lock was not granted within `lockTimeoutSeconds` (another tab is hung,
 * or something else holds the lock name). Nothing changed; the next call tries again.
 */
export class LockTimeoutError extends TokenBatonError {
	declare readonly code: 'ERR_LOCK_TIMEOUT';
	/** `'LockTimeoutError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'LockTimeoutError';
	/** Always `'LockTimeoutError'`, also in minified bundles. */
	declare readonly name: 'LockTimeoutError';

	/** The message names the lock and how long the wait lasted. */
	constructor(lockName: string, timeoutMs: number) {
		super('ERR_LOCK_TIMEOUT', `lock "${lockName}" not granted within ${timeoutMs} ms`);
	}
}
