import {toStorageError, type StorageError} from '../errors/storage-error.js';
import type {WarningCode} from '../types/events.js';
import {createIdbStore, type LoadRecords} from './idb-store.js';
import {createMemoryStore} from './memory-store.js';
import type {EndedSession, SessionStore, StoredSession} from './stored-session.js';

/** How the repository tells the manager what became of storage. */
export type StorageEvents = {
	warn(code: WarningCode, message: string, error?: StorageError): void;
	/** This tab could not write: the other tabs must not take the emptied store for a logout. */
	memoryOnly(): void;
};

/**
 * The session in storage, with the rules for when storage fails: IndexedDB while it works,
 * this tab's memory once it does not (a warning says so, and the session goes on), an
 * untrusted record discarded. Never rejects: a failure becomes a warning. Writing is
 * session-writes.ts.
 */
export type SessionRepository = {
	/** Where the session is kept now: IndexedDB, or this tab's memory. */
	readonly store: SessionStore;
	/** The stored session; undefined when there is none or it could not be read. */
	load(): Promise<StoredSession | EndedSession | undefined>;
	/**
	 * Remove the session (leaving the `ended` note, when given), and resolve to what was
	 * stored, for `read`. A removal that fails is a `storage-clear-failed` warning.
	 */
	end(ended?: EndedSession): Promise<unknown>;
	/** What `end` returned, as a session; undefined when it cannot be read. */
	read(value: unknown): Promise<StoredSession | EndedSession | undefined>;
	/** Keep the session in this tab's memory from now on; `tellTabs` when a write failed. */
	useMemory(message: string, error?: StorageError, tellTabs?: boolean): void;
};

/** The repository of manager `name`. Decided at once: IndexedDB, or memory where it (or WebCrypto, when encrypting) is missing. */
export function createSessionRepository(name: string, encrypt: boolean, loadRecords: LoadRecords, events: StorageEvents): SessionRepository {
	const missing = typeof indexedDB === 'undefined' ? 'no IndexedDB'
		: encrypt && typeof crypto?.subtle?.encrypt !== 'function' ? 'no WebCrypto' : undefined;
	let store: SessionStore = missing ? createMemoryStore() : createIdbStore(name, encrypt, loadRecords);
	// Told at the first load: nobody can listen yet while the manager is being constructed.
	let untold = missing;

	const useMemory = (message: string, error?: StorageError, tellTabs?: boolean) => {
		if (!store.persistent) return;
		store = createMemoryStore();
		// The code says the session lives in memory only; the message says why.
		events.warn('storage-unavailable', message, error);
		if (tellTabs) events.memoryOnly();
	};

	const end = async (ended?: EndedSession) => {
		try {
			return await store.clear(ended);
		} catch (error) {
			events.warn('storage-clear-failed', 'session not removed', toStorageError(error, 'write-failed'));
			return undefined;
		}
	};

	return {
		get store() {
			return store;
		},
		async load() {
			if (untold) events.warn('storage-unavailable', untold);
			untold = undefined;
			try {
				return await store.load();
			} catch (error) {
				const problem = toStorageError(error, 'unavailable');
				if (problem.problem === 'unavailable' || problem.problem === 'write-failed') {
					useMemory('IndexedDB failed', problem);
				} else {
					await end();
					events.warn('storage-discarded', problem.message, problem);
				}

				return undefined;
			}
		},
		end,
		read: async (value) => store.decode(value).catch(() => undefined),
		useMemory,
	};
}
