import {createHash} from 'node:crypto';
import {http, HttpResponse} from 'msw';
import {afterAll, beforeAll, beforeEach} from 'vitest';
import {jwt} from './jwt.js';
import {mswServer} from './token-server.js';

export const OP = 'https://login.example.test';
export const OP_CLIENT = 'spa-client';
export const APP_ORIGIN = 'https://app.example.test';
export const REDIRECT_URI = `${APP_ORIGIN}/callback`;

export type Exchange = {params: URLSearchParams; headers: Headers; status: number};
type Override = (exchange: Exchange) => Response | Promise<Response>;

/**
 * An OpenID provider for unit tests (through msw): discovery, a token endpoint that checks the
 * code, its redirect URI and the PKCE verifier like a real server (a code works once), and an
 * `authorize` that plays the user at the login page and returns the callback URL.
 */
export class OidcServer {
	/** Every request to the token endpoint, in order. */
	readonly exchanges: Exchange[] = [];
	readonly revocations: URLSearchParams[] = [];
	discoveryRequests = 0;
	metadata: Record<string, unknown> = {
		issuer: OP,
		authorization_endpoint: `${OP}/authorize`,
		token_endpoint: `${OP}/token`,
		revocation_endpoint: `${OP}/revoke`,
		end_session_endpoint: `${OP}/logout`,
		authorization_response_iss_parameter_supported: true,
		code_challenge_methods_supported: ['S256'],
		id_token_signing_alg_values_supported: ['RS256'],
	};

	/** Changes to the next ID token's claims (`undefined` removes one). */
	idTokenClaims: Record<string, unknown> = {};
	/** Seconds between this server's clock and the test's (the browser's). */
	clockOffsetSeconds = 0;
	#counter = 0;
	readonly #codes = new Map<string, {n: number; challenge: string; redirectUri: string; nonce: string | undefined; used: boolean}>();
	readonly #overrides: Override[] = [];

	/** The user signs in at `authorizationUrl`; returns where the server sends the browser back. */
	authorize(authorizationUrl: string, answer: {error?: string; description?: string; iss?: string | null; state?: string | null} = {}): string {
		const request = new URL(authorizationUrl);
		const q = request.searchParams;
		if (request.origin + request.pathname !== `${OP}/authorize`) throw new Error(`not the authorization endpoint: ${request.href}`);
		if (q.get('client_id') !== OP_CLIENT || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256') throw new Error('bad authorization request');
		const callback = new URL(q.get('redirect_uri') ?? '');
		const state = answer.state === undefined ? q.get('state') : answer.state;
		if (state !== null) callback.searchParams.set('state', state);
		const iss = answer.iss === undefined ? OP : answer.iss;
		if (iss !== null) callback.searchParams.set('iss', iss);
		if (answer.error) {
			callback.searchParams.set('error', answer.error);
			if (answer.description) callback.searchParams.set('error_description', answer.description);
			return callback.href;
		}

		const n = ++this.#counter;
		const code = `code-${n}`;
		this.#codes.set(code, {n, challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '', nonce: q.get('nonce') ?? undefined, used: false});
		callback.searchParams.set('code', code);
		return callback.href;
	}

	/** Answer the next token request(s) with these instead. */
	respondNext(...overrides: Override[]): void {
		this.#overrides.push(...overrides);
	}

	/** Code exchanges the server accepted. */
	get accepted(): Exchange[] {
		return this.exchanges.filter((exchange) => exchange.status === 200);
	}

	readonly handlers = [
		http.get(`${OP}/.well-known/openid-configuration`, () => {
			this.discoveryRequests++;
			return HttpResponse.json(this.metadata);
		}),
		http.post(`${OP}/token`, async ({request}) => {
			const exchange: Exchange = {params: new URLSearchParams(await request.text()), headers: request.headers, status: 0};
			this.exchanges.push(exchange);
			const override = this.#overrides.shift();
			const response = override ? await override(exchange) : this.#exchange(exchange.params);
			exchange.status = response.status;
			return response;
		}),
		http.post(`${OP}/revoke`, async ({request}) => {
			this.revocations.push(new URLSearchParams(await request.text()));
			return new HttpResponse(null, {status: 200});
		}),
	];

	#exchange(params: URLSearchParams): Response {
		const entry = this.#codes.get(params.get('code') ?? '');
		const verifier = params.get('code_verifier') ?? '';
		const refuse = (description: string) => HttpResponse.json({error: 'invalid_grant', error_description: description}, {status: 400});
		if (params.get('grant_type') !== 'authorization_code' || params.get('client_id') !== OP_CLIENT) return HttpResponse.json({error: 'invalid_request'}, {status: 400});
		if (!entry) return refuse('unknown code');
		if (entry.used) return refuse('code already used');
		entry.used = true;
		if (params.get('redirect_uri') !== entry.redirectUri) return refuse('redirect_uri mismatch');
		if (createHash('sha256').update(verifier).digest('base64url') !== entry.challenge) return refuse('PKCE verification failed');
		const {n} = entry;
		const now = Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
		const claims: Record<string, unknown> = {iss: OP, aud: OP_CLIENT, sub: 'alice', iat: now, exp: now + 300, nonce: entry.nonce, ...this.idTokenClaims};
		const body: Record<string, unknown> = {access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${n}`, scope: 'openid offline_access'};
		if (entry.nonce !== undefined || Object.keys(this.idTokenClaims).length > 0) body.id_token = jwt(claims, 'RS256');
		return HttpResponse.json(body, {headers: {'cache-control': 'no-store'}});
	}
}

/** msw with a fresh OidcServer per test (returned by the getter). */
export function useOidcServer(): () => OidcServer {
	let current = new OidcServer();
	beforeAll(() => mswServer.listen({onUnhandledRequest: 'error'}));
	beforeEach(() => {
		current = new OidcServer();
		mswServer.resetHandlers(...current.handlers);
	});
	afterAll(() => mswServer.close());
	return () => current;
}
