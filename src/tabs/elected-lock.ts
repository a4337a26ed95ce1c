import {LockTimeoutError} from '../errors/lock-timeout-error.js';
import {abortable} from '../utils/abort.js';

// A holder that crashed without saying so is noticed after this long.
const ELECTION_FALLBACK_INTERVAL_MS = 1000;

/**
 * The fallback: every refresh runs an election among the tabs that want the lock, and the
 * winner holds it until it steps down. A holder whose tab closes steps down on unload; one
 * that crashes is replaced after the fallback interval.
 */
export async function withElectedLock<T>(lockName: string, timeoutMs: number, task: () => Promise<T>, signal: AbortSignal): Promise<T> {
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
