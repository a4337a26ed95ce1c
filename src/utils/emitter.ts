/** A minimal typed event emitter. A listener that throws never stops the others or the caller. */
export class Emitter<Events extends Record<string, unknown>> {
	readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();

	on<E extends keyof Events>(name: E, listener: (event: Events[E]) => void): () => void {
		let set = this.#listeners.get(name);
		if (!set) {
			set = new Set();
			this.#listeners.set(name, set);
		}

		// Wrapped so that subscribing the same function twice gives two independent subscriptions.
		const entry = (event: never) => listener(event);
		set.add(entry);
		return () => set.delete(entry);
	}

	emit<E extends keyof Events>(name: E, event: Events[E]): void {
		for (const listener of [...(this.#listeners.get(name) ?? [])]) {
			try {
				(listener as (event: Events[E]) => void)(event);
			} catch (error) {
				report(error);
			}
		}
	}

	clear(): void {
		this.#listeners.clear();
	}
}

// Surface the listener's bug the way the browser surfaces an event-listener error,
// without letting it unwind into token-baton.
function report(error: unknown): void {
	if (typeof reportError === 'function') reportError(error);
}
