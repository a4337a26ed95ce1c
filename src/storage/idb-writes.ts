import {get, update, type UseStore} from 'idb-keyval';
import {encode, type Sealed} from './encryption.js';
import {context, CRYPTO_KEY, FORMAT, generationOf, guard, isCryptoKey, SESSION_KEY, type StoredRecord} from './idb-store.js';
import {sameGeneration, type Generation, type StoredSession} from './stored-session.js';

/**
 * The write side of the IndexedDB session store (idb-store.ts reads): sealing the refresh
 * token, the compare-and-set write, and the Retry-After hold. A tab needs it only once it
 * logs in or refreshes.
 */

/**
 * Write `next` in one readwrite transaction, but only if the stored generation is still
 * `expected` (undefined: whatever is stored). False when another tab moved on meanwhile.
 */
export async function replaceRecord(store: UseStore, name: string, encrypt: boolean, next: StoredSession, expected: Generation | undefined): Promise<boolean> {
	const record = await guard('write-failed', async () => encodeRecord(next, name, encrypt, store));
	let written = false;
	await guard('write-failed', async () => update<unknown>(SESSION_KEY, (current) => {
		// Runs inside the transaction: no other tab can write in between.
		if (expected !== undefined && !sameGeneration(generationOf(current), expected)) return current;
		written = true;
		return record;
	}, store));
	return written;
}

/** Keep every tab's refreshes of generation `expected` back until `until`. */
export async function holdRecord(store: UseStore, expected: Generation, until: number): Promise<void> {
	await guard('write-failed', async () => update<unknown>(SESSION_KEY, (current) => sameGeneration(generationOf(current), expected) ? {...current as StoredRecord, holdUntil: until} : current, store));
}

/** The record a session is stored as: metadata in the clear, the refresh token sealed under the database's key (created on first use). */
async function encodeRecord(session: StoredSession, name: string, encrypt: boolean, store: UseStore): Promise<StoredRecord> {
	const record: StoredRecord = {
		format: FORMAT,
		name,
		sid: session.sid,
		n: session.n,
		refreshExpiresAt: session.refreshExpiresAt ?? null,
	};
	if (!encrypt) return {...record, refreshToken: session.refreshToken};
	const key = await ensureKey(store);
	return {...record, ...(await seal(key, session.refreshToken, context(record)))};
}

/** One key per database. Two tabs creating it at once agree on the first one written. */
async function ensureKey(store: UseStore): Promise<CryptoKey> {
	const existing = await get<unknown>(CRYPTO_KEY, store);
	if (isCryptoKey(existing)) return existing;
	const created = await generateKey();
	let kept: CryptoKey = created;
	await update<unknown>(CRYPTO_KEY, (current) => {
		if (isCryptoKey(current)) kept = current;
		return kept;
	}, store);
	return kept;
}

// A non-extractable key: its raw bytes never leave the browser's crypto implementation.
function generateKey(): Promise<CryptoKey> {
	return crypto.subtle.generateKey({name: 'AES-GCM', length: 256}, false, ['encrypt', 'decrypt']);
}

/** A fresh 96-bit IV per write: reusing an IV under one AES-GCM key breaks its security. */
async function seal(key: CryptoKey, plaintext: string, context: string): Promise<Sealed> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const data = await crypto.subtle.encrypt(
		{name: 'AES-GCM', iv, additionalData: encode(context)},
		key,
		encode(plaintext),
	);
	return {iv, data};
}
