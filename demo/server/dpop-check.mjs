/**
 * The demo API's DPoP checks (RFC 9449 §4.3 and §7.1), with jose: the proof's signature under
 * the key in its header (ES256 or EdDSA, no private key), `typ`, `htm`, `htu` (without query),
 * `iat` within a minute, `jti` never seen before, the API's current nonce, `ath` (the hash of
 * the access token sent with it) and the access token's `cnf.jkt` (the key it is bound to).
 * Also the nonces: a new one every minute, the previous one still accepted.
 */
import {createHash, randomBytes} from 'node:crypto';
import {calculateJwkThumbprint, EmbeddedJWK, jwtVerify} from 'jose';

const IAT_WINDOW_S = 60;
const NONCE_EVERY_MS = 60_000;

export function createDpopChecker() {
	/** jti → when it may be forgotten (ms): a proof is accepted once. */
	const seen = new Map();
	let nonces = {current: randomBytes(16).toString('base64url'), previous: undefined, at: Date.now()};

	const nonce = () => {
		if (Date.now() - nonces.at >= NONCE_EVERY_MS) nonces = {current: randomBytes(16).toString('base64url'), previous: nonces.current, at: Date.now()};
		return nonces.current;
	};

	/**
	 * Check `proof` for a request of `method` to `url` carrying `accessToken` bound to `jkt`.
	 * Resolves {ok: true} or {ok: false, error, reason}: `error` is `use_dpop_nonce` (retry with
	 * the nonce) or `invalid_dpop_proof` / `invalid_token`.
	 */
	const check = async ({proof, method, url, accessToken, jkt}) => {
		if (typeof proof !== 'string' || proof === '') return {ok: false, error: 'invalid_dpop_proof', reason: 'no DPoP proof'};
		let result;
		try {
			result = await jwtVerify(proof, EmbeddedJWK, {typ: 'dpop+jwt', algorithms: ['ES256', 'EdDSA']});
		} catch (error) {
			return {ok: false, error: 'invalid_dpop_proof', reason: `proof: ${error?.code ?? 'invalid'}`};
		}

		const {payload, protectedHeader} = result;
		if ('d' in protectedHeader.jwk) return {ok: false, error: 'invalid_dpop_proof', reason: 'private key in the proof'};
		const target = new URL(url);
		if (payload.htm !== method) return {ok: false, error: 'invalid_dpop_proof', reason: 'htm does not match'};
		if (payload.htu !== `${target.origin}${target.pathname}`) return {ok: false, error: 'invalid_dpop_proof', reason: 'htu does not match'};
		if (typeof payload.iat !== 'number' || Math.abs(payload.iat - Date.now() / 1000) > IAT_WINDOW_S) return {ok: false, error: 'invalid_dpop_proof', reason: 'iat out of range'};
		if (typeof payload.jti !== 'string' || payload.jti.length < 8) return {ok: false, error: 'invalid_dpop_proof', reason: 'no jti'};
		const current = nonce();
		if (payload.nonce !== current && (payload.nonce === undefined || payload.nonce !== nonces.previous)) return {ok: false, error: 'use_dpop_nonce', reason: 'nonce required'};
		const now = Date.now();
		for (const [jti, until] of seen) if (until < now) seen.delete(jti);
		if (seen.has(payload.jti)) return {ok: false, error: 'invalid_dpop_proof', reason: 'jti replayed'};
		seen.set(payload.jti, now + 2 * IAT_WINDOW_S * 1000);
		if (payload.ath !== createHash('sha256').update(accessToken).digest('base64url')) return {ok: false, error: 'invalid_dpop_proof', reason: 'ath does not match the access token'};
		const thumbprint = await calculateJwkThumbprint(protectedHeader.jwk);
		if (thumbprint !== jkt) return {ok: false, error: 'invalid_token', reason: 'the access token is bound to another key (cnf.jkt)'};
		return {ok: true, jkt: thumbprint};
	};

	return {check, nonce};
}
