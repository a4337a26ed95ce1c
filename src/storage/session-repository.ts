import type {Session} from '../core/session.js';
import {StorageError} from '../errors/storage-error.js';
import type {WarningCode} from '../types/events.js';
import {createIdbStore, type LoadWrites} from './idb-store.js';
import {createMemoryStore} from './memory-store.js';
import type {EndedSession, Generation, SessionStore, StoredSession} from './stored-session.js';

/** How the repository tells the manager what became of storage. */
export type StorageEvents = {
	warn(code: WarningCode, message: string, error?: StorageError): void;
	/** This tab could not write: the other tabs must not take the emptied store for a logout. */
	memoryOnly(): void;
};

/**
 * The session in storage, with the rules for when storage fails: IndexedDB while it works,
 * this tab's memory once it does not (a warning says so, and the session goes on), and an
 * untrusted record discarded. Never rejects: a failure becomes a warning.
 */
export type SessionRepository = {
	/** False once the session lives in this tab's memory only. */
	readonly persistent: boolean;
	/** The stored session; undefined when there is none or it could not be read. */
	load(): Promise<StoredSession | EndedSession | undefined>;
	/**
	 * What a refresh starts from: the stored session, or this tab's own once storage is (or
	 * just became) unusable; storage failing under a live session must not sign anyone out.
	 */
	loadForRefresh(own: Session | undefined): Promise<StoredSession | EndedSession | undefined>;
	/** Compare-and-set: write `next` only if the stored generation is still `expected`. False: another tab moved on. */
	write(next: StoredSession, expected: Generation | undefined): Promise<boolean>;
	/**
	 * Remove the session (leaving the `ended` note, when given), and resolve to what was
	 * stored. A removal that fails is a `storage-clear-failed` warning.
	 */
	end(ended?: EndedSession): Promise<StoredSession | EndedSession | undefined>;
	/** Hold every tab's refreshes of generation `expected` until `until` (a server's Retry-After). */
	hold(expected: Generation, until: number): Promise<void>;
	/** Keep the session in this tab's memory from now on. */
	useMemory(message: string, error?: StorageError): void;
};

/** The repository of manager `name`. Decided at once: IndexedDB, or memory where it (or WebCrypto, when encrypting) is missing. */
export function createSessionRepository(name: string, encrypt: boolean, loadWrites: LoadWrites, events: StorageEvents): SessionRepository {
	const missing = typeof indexedDB === 'undefined' ? 'no IndexedDB'
		: encrypt && typeof crypto?.subtle?.encrypt !== 'function' ? 'no WebCrypto' : undefined;
	let store: SessionStore = missing ? createMemoryStore() : createIdbStore(name, encrypt, loadWrites);
	// Told at the first load: nobody can listen yet while the manager is being constructed.
	let untold = missing;

	const warnMemory = (message: string, error?: StorageError) => events.warn('storage-unavailable', `session in this tab's memory only: ${message}`, error);
	const useMemory = (message: string, error?: StorageError) => {
		if (!store.persistent) return;
		store = createMemoryStore();
		warnMemory(message, error);
	};

	const end = async (ended?: EndedSession) => {
		try {
			return await store.clear(ended);
		} catch (error) {
			events.warn('storage-clear-failed', 'stored session not removed', asStorageError(error, 'write-failed'));
			return undefined;
		}
	};

	const load = async () => {
		if (untold) warnMemory(untold);
		untold = undefined;
		try {
			return await store.load();
		} catch (error) {
			const problem = asStorageError(error, 'unavailable');
			if (problem.problem === 'unavailable' || problem.problem === 'write-failed') {
				useMemory('IndexedDB failed', problem);
			} else {
				await end();
				events.warn('storage-discarded', problem.message, problem);
			}

			return undefined;
		}
	};

	return {
		get persistent() {
			return store.persistent;
		},
		load,
		async loadForRefresh(own) {
			if (store.persistent) {
				const stored = await load();
				if (store.persistent) return stored;
			}

			const mine = own?.refreshToken && {...own.gen, refreshToken: own.refreshToken, refreshExpiresAt: own.refreshExpiresAt};
			// The memory store compares generations on write: give it the one this refresh starts from.
			if (mine) await store.replace(mine, undefined);
			return mine || undefined;
		},
		async write(next, expected) {
			try {
				return await store.replace(next, expected);
			} catch (error) {
				// Leave no stale refresh token behind for another tab to reuse, and tell the tabs
				// that the session lives in memory now.
				await end();
				useMemory('IndexedDB failed', asStorageError(error, 'write-failed'));
				events.memoryOnly();
				return store.replace(next, undefined);
			}
		},
		end,
		async hold(expected, until) {
			await store.hold(expected, until).catch(() => {});
		},
		useMemory,
	};
}

function asStorageError(error: unknown, problem: 'unavailable' | 'write-failed'): StorageError {
	return error instanceof StorageError ? error : new StorageError(problem, {cause: error});
}
