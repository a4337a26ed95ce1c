/** How long a lease lasts unless renewed: a holder that crashed or closed is replaced after this. */
const LEASE_MS = 3000;
// Renewed well before it runs out, so a long refresh request keeps it.
const RENEW_MS = 1000;
// A waiter tries again after 20–60 ms: jittered so that waiting tabs do not keep colliding.
const POLL_MS = 20;
const KEY = 'lease';

type Lease = {owner: string; until: number};

/**
 * The fallback where Web Locks are missing: a lease in IndexedDB (a database named after the
 * lock, object store `lease`), taken in one readwrite transaction so that two tabs can never
 * both find it free. The holder renews it while the task runs and deletes it when done (or
 * on `pagehide`); a tab that crashed or closed loses it once it expires.
 *
 * Waits until the lease is taken or `wait` aborts (then rejects with its reason); once taken,
 * the task runs whatever `wait` does, as under Web Locks. refresh-lock.ts bounds the wait.
 *
 * Known limit: a holder frozen for longer than the lease (a frozen tab, the back/forward
 * cache) may lose it while its task still runs. The manager writes the session with a
 * compare-and-set in IndexedDB, so storage stays consistent even then.
 *
 * Self-contained on purpose (raw IndexedDB, no import): DEVELOPERS.md, "What loads when".
 */
export async function withLeaseLock<T>(lockName: string, wait: AbortSignal, task: () => Promise<T>): Promise<T> {
	// Tells this acquisition's lease from any other; not a secret.
	const owner = `${Date.now()}:${Math.random()}`;
	const ours = (lease: unknown) => isLease(lease) && lease.owner === owner;
	let db: IDBDatabase | undefined;
	const opening = openDatabase(lockName).then((opened) => db = opened);
	const swap = async (next: (lease: unknown) => unknown) => transact(await opening, next);
	// Also what renewing does: extends our lease, or takes it back if it ran out and is still free.
	const take = async () => swap((lease) => ours(lease) || !isLive(lease) ? {owner, until: Date.now() + LEASE_MS} : lease);
	const free = (lease: unknown) => ours(lease) ? undefined : lease;
	const release = async () => {
		await swap(free).catch(() => {});
		(await opening.catch(() => undefined))?.close();
	};

	// A closing tab may not live to the next microtask: the transaction starts in the handler itself.
	const releaseNow = () => {
		if (db) transact(db, free).catch(() => {});
	};

	const gaveUp = new Promise<never>((_resolve, reject) => {
		const onAbort = () => reject(wait.reason);
		if (wait.aborted) onAbort();
		else wait.addEventListener('abort', onAbort, {once: true});
	});
	// true: ours; undefined: IndexedDB is unusable.
	let held: boolean | undefined;
	try {
		do {
			if (held === false) await Promise.race([gaveUp, new Promise((resolve) => setTimeout(resolve, POLL_MS * (1 + 2 * Math.random())))]);
			held = await Promise.race([gaveUp, take().then(ours, () => undefined)]);
		} while (held === false);
	} catch (error) {
		// A take may still be in flight and succeed: clear up after it.
		void release();
		throw error;
	}

	// Without a usable IndexedDB there is nothing to coordinate through: run anyway. Such a
	// tab keeps its session in memory, and the manager asks the other tabs over the channel
	// before it refreshes.
	if (!held) return task();
	const renew = setInterval(() => void take().catch(() => {}), RENEW_MS);
	globalThis.addEventListener?.('pagehide', releaseNow);
	try {
		return await task();
	} finally {
		clearInterval(renew);
		globalThis.removeEventListener?.('pagehide', releaseNow);
		await release();
	}
}

function openDatabase(name: string): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = indexedDB.open(name);
		request.onupgradeneeded = () => request.result.createObjectStore(KEY);
		request.onsuccess = () => {
			const db = request.result;
			// Never block another tab that deletes or upgrades the database.
			db.onversionchange = () => db.close();
			resolve(db);
		};

		request.onerror = () => reject(request.error);
	});
}

/** Reads the lease and writes `next(lease)` in one readwrite transaction; undefined deletes it. Resolves to what is stored then. */
function transact(db: IDBDatabase, next: (lease: unknown) => unknown): Promise<unknown> {
	return new Promise((resolve, reject) => {
		const transaction = db.transaction(KEY, 'readwrite');
		const leases = transaction.objectStore(KEY);
		const request = leases.get(KEY);
		let value: unknown;
		request.onsuccess = () => {
			value = next(request.result);
			if (value === request.result) return;
			if (value === undefined) leases.delete(KEY);
			else leases.put(value, KEY);
		};

		transaction.oncomplete = () => resolve(value);
		transaction.onerror = transaction.onabort = () => reject(transaction.error);
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
