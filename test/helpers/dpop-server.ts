import {calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWTPayload} from 'jose';
import {http, HttpResponse} from 'msw';
import {beforeEach} from 'vitest';
import {API_ORIGIN} from './api-server.js';
import {CLIENT_ID, mswServer, REVOKE_URL, TOKEN_URL} from './token-server.js';

/** A DPoP proof as a server checked it (RFC 9449 §4.3), or why it was refused. */
export type CheckedProof = {ok: true; jkt: string; header: Record<string, unknown>; claims: JWTPayload & Record<string, unknown>} | {ok: false; problem: string};

/** What one DPoP request brought: the proof as checked and the raw header. */
export type DpopCall = {url: string; method: string; proof: CheckedProof | undefined; raw: string | null; authorization: string | null; params?: URLSearchParams};

const base64url = (bytes: ArrayBuffer) => Buffer.from(bytes).toString('base64url');

/**
 * An authorization server and an API that check DPoP proofs as RFC 9449 says: signature with
 * the embedded key, `typ`, `alg`, no private key, `htm`, `htu` without query, `iat` within 60 s,
 * `jti` used once, `nonce` when one is required, and for the API `ath` and the token's key.
 * Refresh tokens rotate and are bound to the key of the proof they were issued with.
 */
export class DpopServer {
	readonly tokenCalls: DpopCall[] = [];
	readonly revokeCalls: DpopCall[] = [];
	readonly apiCalls: DpopCall[] = [];
	/** The nonce the token endpoint requires (undefined: none); sent on every answer. */
	asNonce: string | undefined;
	/** The nonce the API requires (undefined: none); sent on every answer. */
	apiNonce: string | undefined;
	/** Access tokens the API refuses as expired (401 invalid_token). */
	readonly expired = new Set<string>();
	/** Answer with this token_type (`Bearer` to test a server that does not bind). */
	tokenType = 'DPoP';
	readonly #jtis = new Set<string>();
	readonly #refresh = new Map<string, {jkt: string; used: boolean}>();
	readonly #access = new Map<string, string>();
	#n = 0;

	/** The token response of a code exchange bound to `jkt` (the test signed it with createDpopProof). */
	login(jkt: string): Record<string, unknown> {
		return this.#issue(jkt);
	}

	/** Check `raw` for a request of `method` to `url`. */
	async check(raw: string | null, method: string, url: string, nonce: string | undefined, accessToken?: string): Promise<CheckedProof> {
		if (!raw) return {ok: false, problem: 'no proof'};
		try {
			const header = decodeProtectedHeader(raw) as Record<string, unknown>;
			const {payload} = await jwtVerify(raw, EmbeddedJWK, {typ: 'dpop+jwt', algorithms: ['ES256']});
			const jwk = header.jwk as Record<string, string>;
			if ('d' in jwk) return {ok: false, problem: 'private key in the proof'};
			const claims = payload as JWTPayload & Record<string, unknown>;
			const target = new URL(url);
			if (claims.htm !== method) return {ok: false, problem: 'htm'};
			if (claims.htu !== target.origin + target.pathname) return {ok: false, problem: 'htu'};
			if (typeof claims.iat !== 'number' || Math.abs(claims.iat - Date.now() / 1000) > 60) return {ok: false, problem: 'iat'};
			if (typeof claims.jti !== 'string' || this.#jtis.has(claims.jti)) return {ok: false, problem: 'jti replay'};
			this.#jtis.add(claims.jti);
			if (nonce !== undefined && claims.nonce !== nonce) return {ok: false, problem: 'use_dpop_nonce'};
			if (accessToken !== undefined) {
				const ath = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
				if (claims.ath !== ath) return {ok: false, problem: 'ath'};
			}

			return {ok: true, jkt: await calculateJwkThumbprint(jwk as never), header, claims};
		} catch (error) {
			return {ok: false, problem: String(error)};
		}
	}

	/** The key thumbprint an access token is bound to. */
	jktOf(accessToken: string): string | undefined {
		return this.#access.get(accessToken);
	}

	readonly handlers = [
		http.post(TOKEN_URL, async ({request}) => {
			const params = new URLSearchParams(await request.text());
			const raw = request.headers.get('dpop');
			const proof = await this.check(raw, 'POST', request.url, this.asNonce);
			this.tokenCalls.push({url: request.url, method: 'POST', proof, raw, authorization: null, params});
			const headers: Record<string, string> = this.asNonce ? {'dpop-nonce': this.asNonce} : {};
			if (!proof.ok) {
				const error = proof.problem === 'use_dpop_nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof';
				return HttpResponse.json({error}, {status: 400, headers});
			}

			const entry = this.#refresh.get(params.get('refresh_token') ?? '');
			if (params.get('client_id') !== CLIENT_ID || !entry || entry.used || entry.jkt !== proof.jkt) {
				return HttpResponse.json({error: 'invalid_grant'}, {status: 400, headers});
			}

			entry.used = true;
			return HttpResponse.json(this.#issue(proof.jkt), {headers});
		}),
		http.post(REVOKE_URL, async ({request}) => {
			const params = new URLSearchParams(await request.text());
			const raw = request.headers.get('dpop');
			this.revokeCalls.push({url: request.url, method: 'POST', proof: await this.check(raw, 'POST', request.url, undefined), raw, authorization: null, params});
			this.#refresh.delete(params.get('token') ?? '');
			return new HttpResponse(null, {status: 200});
		}),
		http.all(`${API_ORIGIN}/*`, async ({request}) => {
			const authorization = request.headers.get('authorization');
			const raw = request.headers.get('dpop');
			const token = authorization?.startsWith('DPoP ') ? authorization.slice(5) : undefined;
			const proof = await this.check(raw, request.method, request.url, this.apiNonce, token);
			this.apiCalls.push({url: request.url, method: request.method, proof, raw, authorization});
			const headers: Record<string, string> = this.apiNonce ? {'dpop-nonce': this.apiNonce} : {};
			if (!proof.ok && proof.problem === 'use_dpop_nonce') {
				return HttpResponse.json({error: 'use_dpop_nonce'}, {status: 401, headers: {...headers, 'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"'}});
			}

			if (!token || !proof.ok || this.#access.get(token) !== proof.jkt || this.expired.has(token)) {
				return HttpResponse.json({error: 'invalid_token'}, {status: 401, headers: {...headers, 'www-authenticate': 'DPoP error="invalid_token", algs="ES256"'}});
			}

			return HttpResponse.json({token, jkt: proof.jkt}, {headers});
		}),
	];

	#issue(jkt: string): Record<string, unknown> {
		const n = ++this.#n;
		const refreshToken = `rt-${n}`;
		this.#refresh.set(refreshToken, {jkt, used: false});
		this.#access.set(`at-${n}`, jkt);
		return {access_token: `at-${n}`, token_type: this.tokenType, expires_in: 3600, refresh_token: refreshToken};
	}
}

/** A fresh DpopServer per test. Call it after `useTokenServer()` (which starts msw and resets its handlers). */
export function useDpopServer(): () => DpopServer {
	let current = new DpopServer();
	beforeEach(() => {
		current = new DpopServer();
		mswServer.use(...current.handlers);
	});
	return () => current;
}
