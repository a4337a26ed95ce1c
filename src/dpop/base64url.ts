/** Base64url without padding (RFC 7515 §2), of bytes or of a string's UTF-8. */
export function base64url(input: ArrayBuffer | Uint8Array | string): string {
	const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : new Uint8Array(input);
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** SHA-256 of a string, base64url: `ath` (RFC 9449 §4.2) and the JWK thumbprint (RFC 7638). */
export async function sha256(text: string): Promise<string> {
	return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}
