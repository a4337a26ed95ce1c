import {LockTimeoutError} from '../errors/lock-timeout-error.js';
import {abortable} from '../utils/abort.js';

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
		: (task, signal) => withElectedLock(lockName, timeoutMs, task, signal);
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

// A holder that crashed without saying so is noticed after this long.
const ELECTION_FALLBACK_INTERVAL_MS = 1000;

/**
 * The fallback: every refresh runs an election among the tabs that want the lock, and the
 * winner holds it until it steps down. A holder whose tab closes steps down on unload; one
 * that crashes is replaced after the fallback interval.
 */
async function withElectedLock<T>(lockName: string, timeoutMs: number, task: () => Promise<T>, signal: AbortSignal): Promise<T> {
	signal.throwIfAborted();
	const {BroadcastChannel, createLeaderElection} = await import('broadcast-channel');
	const channel = new BroadcastChannel(lockName);
	const elector = createLeaderElection(channel, {fallbackInterval: ELECTION_FALLBACK_INTERVAL_MS});
	const timeout = new AbortController();
	const timer = setTimeout(() => timeout.abort(), timeoutMs);
	const onAbort = () => timeout.abort();
	signal.addEventListener('abort', onAbort, {once: true});
	try {
		try {
			await abortable(elector.awaitLeadership(), timeout.signal);
		} catch {
			if (signal.aborted) throw signal.reason;
			throw new LockTimeoutError(lockName, timeoutMs);
		} finally {
			clearTimeout(timer);
			signal.removeEventListener('abort', onAbort);
		}

		return await task();
	} finally {
		await elector.die();
		await channel.close();
	}
}
