import {createStore, promisifyRequest, type UseStore} from 'idb-keyval';
import {LockTimeoutError} from '../errors/lock-timeout-error.js';
import {randomId} from '../utils/random-id.js';

/** How long a lease lasts unless renewed: a holder that crashed or closed is replaced after this. */
const LEASE_MS = 5000;
// Renewed well before it runs out, so a long refresh request keeps it.
const RENEW_MS = 1500;
// A waiter tries again after 20–60 ms: jittered so that waiting tabs do not keep colliding.
const POLL_MS = 20;
const KEY = 'lease';

type Lease = {owner: string; until: number};

/**
 * The fallback where Web Locks are missing: a lease in IndexedDB (database named after the
 * lock, object store `lease`), taken in one readwrite transaction so that two tabs can never
 * both find it free. The holder renews it while the task runs and deletes it when done (or
 * on `pagehide`); a tab that crashed or closed loses it once it expires.
 *
 * Known limit: a holder frozen for longer than the lease (a frozen tab, the back/forward
 * cache) may lose it while its task still runs. The manager writes the session with a
 * compare-and-set in IndexedDB, so storage stays consistent even then.
 */
export async function withLeaseLock<T>(lockName: string, timeoutMs: number, task: () => Promise<T>, signal: AbortSignal): Promise<T> {
	signal.throwIfAborted();
	const store = createStore(lockName, KEY);
	const owner = randomId();
	const ours = (lease: unknown) => isLease(lease) && lease.owner === owner;
	// Also what renewing does: extends our lease, or takes it back if it ran out and is still free.
	const take = () => swap(store, (lease) => ours(lease) || !isLive(lease) ? {owner, until: Date.now() + LEASE_MS} : lease);
	const release = async () => {
		await swap(store, (lease) => ours(lease) ? undefined : lease).catch(() => {});
		await store('readonly', (lease) => lease.transaction.db.close()).catch(() => {});
	};

	let stop!: (reason: unknown) => void;
	const stopped = new Promise<never>((_resolve, reject) => {
		stop = reject;
	});
	const timer = setTimeout(() => stop(new LockTimeoutError(lockName, timeoutMs)), timeoutMs);
	const onAbort = () => stop(signal.reason);
	signal.addEventListener('abort', onAbort, {once: true});
	// true: ours; undefined: IndexedDB is unusable.
	let held: boolean | undefined;
	try {
		do {
			if (held === false) await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, POLL_MS * (1 + 2 * Math.random())))]);
			held = await Promise.race([stopped, take().then(ours, () => undefined)]);
		} while (held === false);
	} catch (error) {
		// A take may still be in flight and succeed: clear up after it.
		void release();
		throw error;
	} finally {
		clearTimeout(timer);
		signal.removeEventListener('abort', onAbort);
	}

	// Without IndexedDB nothing can coordinate: run anyway. Such a tab keeps its session in
	// memory and asks the other tabs over the channel, so it never spends a stored refresh token.
	if (!held) return task();
	const renew = setInterval(() => void take().catch(() => {}), RENEW_MS);
	addEventListener('pagehide', release);
	try {
		return await task();
	} finally {
		clearInterval(renew);
		removeEventListener('pagehide', release);
		await release();
	}
}

/** Reads the lease and writes `next(lease)` in one readwrite transaction; undefined deletes it. Resolves to what is stored then. */
async function swap(store: UseStore, next: (lease: unknown) => unknown): Promise<unknown> {
	return store('readwrite', async (leases) => {
		const request = leases.get(KEY);
		let value: unknown;
		request.onsuccess = () => {
			value = next(request.result);
			if (value === request.result) return;
			if (value === undefined) leases.delete(KEY);
			else leases.put(value, KEY);
		};
		await promisifyRequest(leases.transaction);
		return value;
	});
}

function isLease(value: unknown): value is Lease {
	return typeof value === 'object' && value !== null && typeof (value as Lease).owner === 'string' && typeof (value as Lease).until === 'number';
}

// Malformed, expired, or further ahead than any holder writes (hostile data, or the clock
// went back): free, so that no record can wedge the lock.
function isLive(value: unknown): boolean {
	const left = isLease(value) ? value.until - Date.now() : 0;
	return left > 0 && left <= LEASE_MS;
}
