/**
 * An in-process LockManager with the parts of the Web Locks API token-baton uses: exclusive
 * `request(name, {signal}, callback)`. Shared by every manager in the process, as real Web
 * Locks are shared by every tab of an origin. `hold(name)` lets a test keep a lock forever.
 */
export class FakeLockManager {
	readonly #queues = new Map<string, Array<() => void>>();
	readonly #held = new Set<string>();
	requests = 0;

	async request<T>(name: string, options: {signal?: AbortSignal}, callback: () => Promise<T>): Promise<T> {
		this.requests++;
		const {signal} = options;
		signal?.throwIfAborted();
		await new Promise<void>((resolve, reject) => {
			const grant = () => {
				signal?.removeEventListener('abort', onAbort);
				this.#held.add(name);
				resolve();
			};

			const onAbort = () => {
				const queue = this.#queues.get(name) ?? [];
				const index = queue.indexOf(grant);
				if (index !== -1) queue.splice(index, 1);
				reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
			};

			signal?.addEventListener('abort', onAbort, {once: true});
			if (this.#held.has(name)) {
				const queue = this.#queues.get(name) ?? [];
				queue.push(grant);
				this.#queues.set(name, queue);
			} else {
				grant();
			}
		});
		try {
			return await callback();
		} finally {
			this.#release(name);
		}
	}

	/** Hold `name` until the returned function is called, like a hung tab or an extension would. */
	hold(name: string): () => void {
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		void this.request(name, {}, () => held);
		return release;
	}

	#release(name: string): void {
		this.#held.delete(name);
		const next = this.#queues.get(name)?.shift();
		next?.();
	}
}

export function installFakeWebLocks(): FakeLockManager {
	const locks = new FakeLockManager();
	Object.defineProperty(navigator, 'locks', {value: locks, configurable: true});
	return locks;
}

/** No Web Locks, as in older browsers or pages that are not a secure context: token-baton falls back to its IndexedDB lease lock. */
export function removeWebLocks(): void {
	// `undefined`, as in such a browser, not happy-dom's `null`.
	Object.defineProperty(navigator, 'locks', {value: undefined, configurable: true});
}
