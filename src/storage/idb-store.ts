import {del, get, promisifyRequest, update, type UseStore} from 'idb-keyval';
import {toStorageError} from '../errors/storage-error.js';
import type {EndedSession, Generation, SessionStore, StoredSession} from './stored-session.js';

export const FORMAT = 'token-baton/1';
export const SESSION_KEY = 'session';
export const CRYPTO_KEY = 'key';

/** The record as it sits in IndexedDB: metadata in the clear, the refresh token sealed. */
export type StoredRecord = {
	format: typeof FORMAT;
	name: string;
	sid: string;
	n: number;
	refreshExpiresAt: number | null;
	/** See StoredSession's `holdUntil`. */
	holdUntil?: number;
	/** Only in the note an ended session leaves: why it ended. */
	ended?: string;
	/** Only when encryption is off. */
	refreshToken?: string;
	iv?: Uint8Array<ArrayBuffer>;
	data?: ArrayBuffer;
	/** The DPoP key pair (the private key non-extractable), as IndexedDB stores CryptoKeys. */
	dpopKey?: CryptoKeyPair | undefined;
};

/** Loads what reads and writes records (record-codec.ts, idb-writes.ts); DEVELOPERS.md, "What loads when". */
export type LoadRecords = () => Promise<Pick<typeof import('./record-codec.js'), 'decodeRecord' | 'rememberEnded'> & typeof import('./idb-writes.js')>;

/** The IndexedDB database of one manager: `token-baton:<name>`, object store `session`. */
export function createIdbStore(name: string, encrypt: boolean, loadRecords: LoadRecords): SessionStore {
	const store = openStore(`token-baton:${name}`, 'session');
	const decode = async (value: unknown) => value === undefined ? undefined : (await records()).decodeRecord(value, name, store);
	// Code that cannot be loaded leaves the store unreadable for now; the record stays as it is.
	const records = async () => guard('unavailable', loadRecords);
	return {
		persistent: true,
		load: async () => decode(await guard('unavailable', async () => get<unknown>(SESSION_KEY, store))),
		decode,
		async clear(ended?: EndedSession) {
			const note = ended && {format: FORMAT, name, sid: ended.sid, n: -1, refreshExpiresAt: null, ended: ended.ended};
			let previous: unknown;
			const swap = async () => update<unknown>(SESSION_KEY, (current) => {
				previous = current;
				return note;
			}, store);
			// A note that cannot be written (a full disk) must not leave the session behind: a
			// delete needs no space. Where even that fails, localStorage remembers the end.
			await guard('write-failed', async () => note ? swap().catch(async () => del(SESSION_KEY, store)) : del(SESSION_KEY, store)).catch(async (error: unknown) => {
				if (ended) (await records()).rememberEnded(name, ended);
				throw error;
			});
			return previous;
		},
		replace: async (next: StoredSession, expected: Generation | undefined) => (await records()).replaceRecord(store, name, encrypt, next, expected),
		hold: async (expected: Generation, until: number) => (await records()).holdRecord(store, expected, until),
	};
}

/**
 * idb-keyval's store, plus one thing it lacks: when another tab deletes or upgrades the
 * database, this tab closes its connection instead of blocking that tab, and reopens on
 * next use.
 */
function openStore(dbName: string, storeName: string): UseStore {
	let connection: Promise<IDBDatabase> | undefined;
	const connect = () => {
		const request = indexedDB.open(dbName);
		request.onupgradeneeded = () => request.result.createObjectStore(storeName);
		const opened = promisifyRequest(request);
		opened.then((db) => {
			db.onversionchange = db.onclose = () => {
				db.close();
				if (connection === opened) connection = undefined;
			};
		}, () => {
			if (connection === opened) connection = undefined;
		});
		return opened;
	};

	return async (mode, callback) => {
		connection ??= connect();
		const db = await connection;
		return callback(db.transaction(storeName, mode).objectStore(storeName));
	};
}

/** Runs `action`; whatever it throws becomes a `StorageError` of `problem`. */
export async function guard<T>(problem: 'unavailable' | 'write-failed', action: () => Promise<T>): Promise<T> {
	return action().catch((error: unknown) => {
		throw toStorageError(error, problem);
	});
}
