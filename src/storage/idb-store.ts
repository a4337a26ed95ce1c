import {del, get, promisifyRequest, update, type UseStore} from 'idb-keyval';
import {StorageError} from '../errors/storage-error.js';
import {open} from './encryption.js';
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
};

/** The write side (idb-writes.ts), loaded with the token endpoint client: a tab writes only after it loaded that for a login or a refresh. */
export type LoadWrites = () => Promise<typeof import('./idb-writes.js')>;

/** The IndexedDB database of one manager: `token-baton:<name>`, object store `session`. */
export function createIdbStore(name: string, encrypt: boolean, loadWrites: LoadWrites): SessionStore {
	const store = openStore(`token-baton:${name}`, 'session');
	return {
		persistent: true,
		async load() {
			const record = await guard('unavailable', () => get<unknown>(SESSION_KEY, store));
			if (record === undefined) return undefined;
			return decode(record, name, store);
		},
		async replace(next: StoredSession, expected: Generation | undefined) {
			return (await loadWrites()).replaceRecord(store, name, encrypt, next, expected);
		},
		async clear(ended?: EndedSession) {
			const note = ended && {format: FORMAT, name, sid: ended.sid, n: -1, refreshExpiresAt: null, ended: ended.ended};
			let previous: unknown;
			const swap = (next: unknown) => update<unknown>(SESSION_KEY, (current) => {
				previous = current;
				return next;
			}, store);
			// A note that cannot be written (a full disk) must not leave the session behind: a
			// delete needs no space. Either way the session is gone before anything else happens.
			await guard('write-failed', () => note ? swap(note).catch(async () => del(SESSION_KEY, store)) : del(SESSION_KEY, store));
			return previous === undefined ? undefined : decode(previous, name, store).catch(() => undefined);
		},
		async hold(expected: Generation, until: number) {
			return (await loadWrites()).holdRecord(store, expected, until);
		},
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

async function decode(value: unknown, name: string, store: UseStore): Promise<StoredSession | EndedSession> {
	if (!isRecord(value)) throw new StorageError('corrupt');
	if (value.name !== name) {
		throw new StorageError('foreign');
	}

	if (typeof value.ended === 'string') return {sid: value.sid, ended: value.ended};
	const session = {
		sid: value.sid,
		n: value.n,
		refreshExpiresAt: value.refreshExpiresAt ?? undefined,
		holdUntil: value.holdUntil,
	};
	if (typeof value.refreshToken === 'string') return {...session, refreshToken: value.refreshToken};
	if (!(value.iv instanceof Uint8Array) || !(value.data instanceof ArrayBuffer)) {
		throw new StorageError('corrupt');
	}

	const key = await guard('unavailable', () => get<unknown>(CRYPTO_KEY, store));
	if (!isCryptoKey(key)) throw new StorageError('undecryptable');
	try {
		return {...session, refreshToken: await open(key, {iv: value.iv, data: value.data}, context(value))};
	} catch (error) {
		throw new StorageError('undecryptable', {cause: error});
	}
}

// The sealed token is bound to its metadata: a record edited or copied from another manager fails to open.
export function context(record: Pick<StoredRecord, 'name' | 'sid' | 'n' | 'refreshExpiresAt'>): string {
	return `${FORMAT}|${record.name}|${record.sid}|${record.n}|${record.refreshExpiresAt ?? ''}`;
}

export function generationOf(value: unknown): Generation | undefined {
	return isRecord(value) && value.ended === undefined ? {sid: value.sid, n: value.n} : undefined;
}

function isRecord(value: unknown): value is StoredRecord {
	if (typeof value !== 'object' || value === null) return false;
	const r = value as Partial<StoredRecord>;
	return r.format === FORMAT
		&& typeof r.name === 'string'
		&& typeof r.sid === 'string'
		&& Number.isSafeInteger(r.n)
		&& (r.ended === undefined || typeof r.ended === 'string')
		// Number.isFinite never converts: a string such as "1" is refused.
		&& (r.refreshExpiresAt === null || Number.isFinite(r.refreshExpiresAt))
		&& (r.holdUntil === undefined || Number.isFinite(r.holdUntil));
}

export function isCryptoKey(value: unknown): value is CryptoKey {
	return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

/** Runs `action`, turning whatever it throws into a `StorageError` of `problem` (one already is one stays as it is). */
export async function guard<T>(problem: 'unavailable' | 'write-failed', action: () => Promise<T>): Promise<T> {
	try {
		return await action();
	} catch (error) {
		if (error instanceof StorageError) throw error;
		throw new StorageError(problem, {cause: error});
	}
}
