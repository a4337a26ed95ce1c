import {sha256} from './base64url.js';

/** The public half of a DPoP key as it goes into a proof's header: these members only. */
export type PublicJwk = {kty: 'EC'; crv: 'P-256'; x: string; y: string};

/**
 * A new DPoP key pair: ECDSA P-256 (ES256, which every DPoP server accepts), the private key
 * non-extractable, so script in the page can use it but never read it out.
 */
export async function createKeyPair(): Promise<CryptoKeyPair> {
	return crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign', 'verify']);
}

/** The public key as a JWK (a public key is always exportable, whatever the private key allows). */
export async function publicJwk(pair: CryptoKeyPair): Promise<PublicJwk> {
	const {x, y} = await crypto.subtle.exportKey('jwk', pair.publicKey);
	return {kty: 'EC', crv: 'P-256', x: x!, y: y!};
}

/** RFC 7638 thumbprint: what a DPoP-bound token's `cnf.jkt` holds. */
export async function thumbprint(jwk: PublicJwk): Promise<string> {
	// The required members in lexicographic order, no whitespace (RFC 7638 §3).
	return sha256(`{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`);
}

/** A stored value that is a usable DPoP key pair (read back from IndexedDB). */
export function isKeyPair(value: unknown): value is CryptoKeyPair {
	const pair = value as Partial<CryptoKeyPair> | null | undefined;
	return typeof CryptoKey !== 'undefined' && pair?.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}
