import type {Generation, SessionStore, StoredSession} from './stored-session.js';
import {sameGeneration} from './stored-session.js';

/** This tab only: used where IndexedDB is missing or broken. */
export function createMemoryStore(): SessionStore {
	let session: StoredSession | undefined;
	return {
		persistent: false,
		async load() {
			return session;
		},
		async replace(next: StoredSession, expected: Generation | undefined) {
			if (expected !== undefined && !sameGeneration(session, expected)) return false;
			session = next;
			return true;
		},
		async clear() {
			session = undefined;
		},
	};
}
