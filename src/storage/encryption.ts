/**
 * AES-GCM encryption of the refresh token under a non-extractable key. This module opens
 * (the read side, needed at start); sealing and key creation live in record-sealing.ts,
 * which is loaded only once a tab writes a session. The key object
 * lives in IndexedDB beside the record; script in the page can still use it, but its raw
 * bytes never exist outside the browser's crypto implementation, so a copied profile
 * directory does not reveal the token.
 */

export type Sealed = {iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer};

/** Rejects when the key, the IV, the data or the context do not match what was sealed. */
export async function open(key: CryptoKey, sealed: Sealed, context: string): Promise<string> {
	const plaintext = await crypto.subtle.decrypt(
		{name: 'AES-GCM', iv: sealed.iv, additionalData: encode(context)},
		key,
		sealed.data,
	);
	return new TextDecoder().decode(plaintext);
}

export function encode(text: string): Uint8Array<ArrayBuffer> {
	return new TextEncoder().encode(text);
}
