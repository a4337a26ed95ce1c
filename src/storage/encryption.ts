/**
 * AES-GCM encryption of the refresh token under a non-extractable key. The key object lives
 * in IndexedDB beside the record; script in the page can still use it, but its raw bytes
 * never exist outside the browser's crypto implementation, so a copied profile directory
 * does not reveal the token.
 */

export type Sealed = {iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer};

/** A new non-extractable key: its raw bytes never leave the browser's crypto implementation. */
export async function createKey(): Promise<CryptoKey> {
	return crypto.subtle.generateKey({name: 'AES-GCM', length: 256}, false, ['encrypt', 'decrypt']);
}

/** Encrypts `plaintext` bound to `context`, with a fresh 96-bit IV: reusing an IV under one AES-GCM key breaks its security. */
export async function seal(key: CryptoKey, plaintext: string, context: string): Promise<Sealed> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const data = await crypto.subtle.encrypt({name: 'AES-GCM', iv, additionalData: encode(context)}, key, encode(plaintext));
	return {iv, data};
}

/** Rejects when the key, the IV, the data or the context do not match what was sealed. */
export async function open(key: CryptoKey, sealed: Sealed, context: string): Promise<string> {
	const plaintext = await crypto.subtle.decrypt({name: 'AES-GCM', iv: sealed.iv, additionalData: encode(context)}, key, sealed.data);
	return new TextDecoder().decode(plaintext);
}

function encode(text: string): Uint8Array<ArrayBuffer> {
	return new TextEncoder().encode(text);
}
