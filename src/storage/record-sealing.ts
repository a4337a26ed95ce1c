import {get, update, type UseStore} from 'idb-keyval';
import {encode, type Sealed} from './encryption.js';
import {context, CRYPTO_KEY, FORMAT, isCryptoKey, type StoredRecord} from './idb-store.js';
import type {StoredSession} from './stored-session.js';

/**
 * The record a session is stored as: metadata in the clear, the refresh token sealed under
 * the database's key (created on first use). Loaded with the token endpoint client.
 */
export async function encodeRecord(session: StoredSession, name: string, encrypt: boolean, store: UseStore): Promise<StoredRecord> {
	const record: StoredRecord = {
		format: FORMAT,
		name,
		sid: session.sid,
		n: session.n,
		refreshExpiresAt: session.refreshExpiresAt ?? null,
	};
	if (!encrypt) return {...record, refreshToken: session.refreshToken};
	// A failure here is a StorageError ('write-failed'): idb-store wraps the whole encoding.
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
