import {LockTimeoutError} from '../errors/lock-timeout-error.js';
import {abortable} from '../utils/abort.js';

/** Runs `task` while no other tab of this origin runs a task under the same lock. */
export type RefreshLock = <T>(task: () => Promise<T>, signal: AbortSignal) => Promise<T>;

/** Waits for the lock until `wait` aborts, then runs `task` holding it. */
type Acquire = <T>(lockName: string, wait: AbortSignal, task: () => Promise<T>) => Promise<T>;

/**
 * Web Locks where the browser has them; otherwise a lease in IndexedDB (lease-lock.ts),
 * loaded only then. Either way the wait is bounded by `timeoutMs`: a lock that is never
 * granted rejects with `LockTimeoutError` instead of hanging the app. An abort of `signal`
 * while waiting rejects with its reason; once granted, the task runs to its end.
 */
export function createRefreshLock(lockName: string, timeoutMs: number): RefreshLock {
	const acquire: Acquire = hasWebLocks()
		? async (name, wait, task) => navigator.locks.request(name, {signal: wait}, task)
		// Its download is part of the bounded wait.
		: async (name, wait, task) => (await abortable(import('./lease-lock.js'), wait)).withLeaseLock(name, wait, task);
	return async (task, signal) => {
		signal.throwIfAborted();
		const wait = new AbortController();
		const stopWaiting = () => wait.abort();
		const timer = setTimeout(stopWaiting, timeoutMs);
		signal.addEventListener('abort', stopWaiting, {once: true});
		let granted = false;
		try {
			return await acquire(lockName, wait.signal, async () => {
				granted = true;
				clearTimeout(timer);
				return task();
			});
		} catch (error) {
			if (!granted && wait.signal.aborted) throw signal.aborted ? signal.reason : new LockTimeoutError(lockName, timeoutMs);
			throw error;
		} finally {
			clearTimeout(timer);
			signal.removeEventListener('abort', stopWaiting);
		}
	};
}

// happy-dom exposes `navigator.locks === null`, so test the method, not the property.
function hasWebLocks(): boolean {
	return typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function';
}
