type Entry = {name: PropertyKey; listener: (event: never) => void};

/** A minimal typed event emitter. A listener that throws never stops the others or the caller. */
export class Emitter<Events extends Record<string, unknown>> {
	// One entry per subscription: subscribing the same function twice gives two independent ones.
	readonly #entries = new Set<Entry>();

	on<E extends keyof Events>(name: E, listener: (event: Events[E]) => void): () => void {
		const entry: Entry = {name, listener};
		this.#entries.add(entry);
		return () => this.#entries.delete(entry);
	}

	emit<E extends keyof Events>(name: E, event: Events[E]): void {
		// A copy: a listener may unsubscribe (itself or others) while this runs.
		for (const entry of [...this.#entries]) {
			if (entry.name !== name) continue;
			try {
				(entry.listener as (event: Events[E]) => void)(event);
			} catch (error) {
				// Surfaced the way the browser surfaces an event-listener error, without unwinding into token-baton.
				globalThis.reportError?.(error);
			}
		}
	}

	clear(): void {
		this.#entries.clear();
	}
}
