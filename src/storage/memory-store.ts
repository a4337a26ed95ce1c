import type {EndedSession, Generation, SessionStore, StoredSession} from './stored-session.js';
import {isEnded, sameGeneration} from './stored-session.js';

/** This tab only: used where IndexedDB is missing or broken. */
export function createMemoryStore(): SessionStore {
	let session: StoredSession | EndedSession | undefined;
	return {
		persistent: false,
		async load() {
			return session;
		},
		async replace(next: StoredSession, expected: Generation | undefined) {
			if (expected !== undefined && (isEnded(session) || !sameGeneration(session, expected))) return false;
			session = next;
			return true;
		},
		async clear(ended?: EndedSession) {
			const previous = session;
			session = ended;
			return previous;
		},
		async decode(value: unknown) {
			return value as StoredSession | EndedSession | undefined;
		},
		// Nothing to share: this tab's own backoff already waits for the Retry-After.
		async hold() {},
	};
}
