import {base64url, sha256} from './base64url.js';
import type {PublicJwk} from './dpop-key.js';

/** What one proof is for: the request's method and URL, and what the server asked for. */
export type ProofRequest = {
	method: string;
	url: string | URL;
	/** The server's latest `DPoP-Nonce` for this origin, when it sent one. */
	nonce?: string | undefined;
	/** With a request that carries an access token: its hash goes into `ath`. */
	accessToken?: string | undefined;
};

/**
 * A DPoP proof JWT (RFC 9449 §4.2): header `typ: dpop+jwt`, `alg: ES256` and the public key;
 * claims `jti` (random, 128 bits), `htm`, `htu` (the URL without query and fragment), `iat`,
 * and `nonce` and `ath` when given. Signed with WebCrypto: ECDSA's raw `r || s` output is
 * exactly the JWS ES256 signature.
 */
export async function signProof(privateKey: CryptoKey, jwk: PublicJwk, request: ProofRequest): Promise<string> {
	const url = new URL(String(request.url), globalThis.document?.baseURI ?? globalThis.location?.href);
	const {nonce, accessToken} = request;
	const claims = {
		jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
		// Methods are case-sensitive; fetch upper-cases the standard ones, and so does this.
		htm: request.method.toUpperCase(),
		htu: url.origin + url.pathname,
		iat: Math.floor(Date.now() / 1000),
		...nonce === undefined ? {} : {nonce},
		...accessToken === undefined ? {} : {ath: await sha256(accessToken)},
	};
	const input = `${base64url(JSON.stringify({typ: 'dpop+jwt', alg: 'ES256', jwk}))}.${base64url(JSON.stringify(claims))}`;
	const signature = await crypto.subtle.sign({name: 'ECDSA', hash: 'SHA-256'}, privateKey, new TextEncoder().encode(input));
	return `${input}.${base64url(signature)}`;
}
