import {get, update, type UseStore} from 'idb-keyval';
import {StorageError} from '../errors/storage-error.js';
import {createKey, open, seal} from './encryption.js';
import {CRYPTO_KEY, FORMAT, guard, type StoredRecord} from './idb-store.js';
import type {EndedSession, Generation, StoredSession} from './stored-session.js';

/**
 * A session as the IndexedDB record it is stored as, and back: metadata in the clear, the
 * refresh token sealed under the database's key (encryption.ts), bound to that metadata.
 */

/** The session in a stored record. Throws `StorageError` for a record that cannot be trusted: corrupt, foreign or undecryptable. */
export async function decodeRecord(value: unknown, name: string, store: UseStore): Promise<StoredSession | EndedSession> {
	if (!isRecord(value)) throw new StorageError('corrupt');
	if (value.name !== name) throw new StorageError('foreign');
	if (typeof value.ended === 'string') return {sid: value.sid, ended: value.ended};
	const remembered = recallEnded(name);
	if (remembered?.sid === value.sid) return remembered;
	const session = {sid: value.sid, n: value.n, refreshExpiresAt: value.refreshExpiresAt ?? undefined, holdUntil: value.holdUntil, dpopKey: value.dpopKey};
	if (typeof value.refreshToken === 'string') return {...session, refreshToken: value.refreshToken};
	if (!(value.iv instanceof Uint8Array) || !(value.data instanceof ArrayBuffer)) throw new StorageError('corrupt');
	const key = await guard('unavailable', async () => get<unknown>(CRYPTO_KEY, store));
	if (!isCryptoKey(key)) throw new StorageError('undecryptable');
	try {
		return {...session, refreshToken: await open(key, {iv: value.iv, data: value.data}, context(value))};
	} catch (error) {
		throw new StorageError('undecryptable', {cause: error});
	}
}

/** The record to store `session` as; `encrypt: false` keeps the refresh token in the clear. */
export async function encodeRecord(session: StoredSession, name: string, encrypt: boolean, store: UseStore): Promise<StoredRecord> {
	const record: StoredRecord = {format: FORMAT, name, sid: session.sid, n: session.n, refreshExpiresAt: session.refreshExpiresAt ?? null};
	// Only with DPoP: a record without it keeps the fields it had (no `dpopKey: undefined`).
	if (session.dpopKey) record.dpopKey = session.dpopKey;
	if (!encrypt) return {...record, refreshToken: session.refreshToken};
	return {...record, ...(await seal(await ensureKey(store), session.refreshToken, context(record)))};
}

/**
 * Where IndexedDB could not remove an ended session (every write failed), localStorage keeps
 * its id and the reason, so that the next load does not restore it. Never a token.
 */
export function rememberEnded(name: string, ended: EndedSession): void {
	try {
		localStorage.setItem(endedKey(name), JSON.stringify(ended));
	} catch {}
}

function recallEnded(name: string): EndedSession | undefined {
	try {
		const value: unknown = JSON.parse(localStorage.getItem(endedKey(name)) ?? 'null');
		const {sid, ended} = (value ?? {}) as Partial<EndedSession>;
		return typeof sid === 'string' && typeof ended === 'string' ? {sid, ended} : undefined;
	} catch {
		return undefined;
	}
}

function endedKey(name: string): string {
	return `token-baton:${name}:ended`;
}

/** The generation of a stored live record; undefined for anything else. */
export function generationOf(value: unknown): Generation | undefined {
	return isRecord(value) && value.ended === undefined ? {sid: value.sid, n: value.n} : undefined;
}

// The sealed token is bound to its metadata: a record edited or copied from another manager fails to open.
function context(record: Pick<StoredRecord, 'name' | 'sid' | 'n' | 'refreshExpiresAt'>): string {
	return `${FORMAT}|${record.name}|${record.sid}|${record.n}|${record.refreshExpiresAt ?? ''}`;
}

/** One key per database. Two tabs creating it at once agree on the first one written. */
async function ensureKey(store: UseStore): Promise<CryptoKey> {
	const existing = await get<unknown>(CRYPTO_KEY, store);
	if (isCryptoKey(existing)) return existing;
	let kept = await createKey();
	await update<unknown>(CRYPTO_KEY, (current) => {
		if (isCryptoKey(current)) kept = current;
		return kept;
	}, store);
	return kept;
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
		&& (r.holdUntil === undefined || Number.isFinite(r.holdUntil))
		&& (r.dpopKey === undefined || isCryptoKey(r.dpopKey?.privateKey));
}

function isCryptoKey(value: unknown): value is CryptoKey {
	return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}
