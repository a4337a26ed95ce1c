import {LockTimeoutError} from '../errors/lock-timeout-error.js';

/** Runs `task` while no other tab of this origin runs a task under the same lock. */
export type RefreshLock = <T>(task: () => Promise<T>, signal: AbortSignal) => Promise<T>;

/**
 * Web Locks where the browser has them; otherwise broadcast-channel's leader election,
 * loaded only then. Either way the wait is bounded by `timeoutMs`: a lock that is never
 * granted rejects with `LockTimeoutError` instead of hanging the app.
 */
export function createRefreshLock(lockName: string, timeoutMs: number): RefreshLock {
	return hasWebLocks()
		? (task, signal) => withWebLock(lockName, timeoutMs, task, signal)
		// The fallback lives in its own chunk: browsers with Web Locks never download it.
		: async (task, signal) => (await import('./elected-lock.js')).withElectedLock(lockName, timeoutMs, task, signal);
}

// happy-dom exposes `navigator.locks === null`, so test the method, not the property.
function hasWebLocks(): boolean {
	return typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function';
}

async function withWebLock<T>(lockName: string, timeoutMs: number, task: () => Promise<T>, signal: AbortSignal): Promise<T> {
	signal.throwIfAborted();
	const wait = new AbortController();
	const stopWaiting = () => wait.abort();
	const timer = setTimeout(stopWaiting, timeoutMs);
	signal.addEventListener('abort', stopWaiting, {once: true});
	let granted = false;
	try {
		return await navigator.locks.request(lockName, {signal: wait.signal}, async () => {
			granted = true;
			clearTimeout(timer);
			return task();
		});
	} catch (error) {
		if (!granted && !signal.aborted && wait.signal.aborted) throw new LockTimeoutError(lockName, timeoutMs);
		throw error;
	} finally {
		clearTimeout(timer);
		signal.removeEventListener('abort', stopWaiting);
	}
}
