/**
 * The demo's protected API: a resource server that accepts only a valid JWT access token
 * (RFC 9068) from the demo's authorization server. It checks the signature against the
 * provider's published JWKS, the issuer, the audience (its own resource indicator), the
 * token type and `exp`, with no clock tolerance. Anything else gets a 401 with a
 * `WWW-Authenticate: Bearer error="invalid_token"` header (RFC 6750 §3).
 *
 * Routes (CORS for the page's origin only):
 * - GET  /me                       who the token belongs to, its scope and expiry
 * - POST /demo/reject-issued-tokens from now on, refuse every access token issued so far
 *                                   (as after a key rollover or a "sign out all sessions"),
 *                                   so the next call meets a 401 and token-baton's retry
 * - POST /demo/steal                (DPoP) replays the newest refresh token and the caller's
 *                                   access token from here, without the page's key, and
 *                                   reports the refusals
 *
 * With `dpop`, /me takes only `Authorization: DPoP <token>` with a proof (dpop-check.mjs), sends
 * its nonce (`DPoP-Nonce`) on every answer and asks for it with 401 `use_dpop_nonce`.
 */
import {EventEmitter} from 'node:events';
import {createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT} from 'jose';
import {createDpopChecker} from './dpop-check.mjs';

/**
 * @param {{issuer: string, jwksUri: string, resource: string, requiredScope: string, pageOrigin: string,
 *   dpop?: {tokenEndpoint: string, clientId: string, latestRefreshToken: () => string | undefined}}} options
 */
export function createApiServer({issuer, jwksUri, resource, requiredScope, pageOrigin, dpop}) {
	const jwks = createRemoteJWKSet(new URL(jwksUri));
	const events = new EventEmitter();
	/** One record per /me request: the status and, for a 401, why. Never the token. */
	const requests = [];
	/** Access tokens with an `iat` (seconds) below this are refused. */
	let notBefore = 0;
	const proofs = createDpopChecker();

	/** The access token of a request: `Authorization: DPoP …` with a valid proof when `dpop` is on, else Bearer. */
	const verify = async (authorization, proof, method, url) => {
		const scheme = dpop ? 'DPoP' : 'Bearer';
		const match = new RegExp(`^${scheme} ([A-Za-z0-9\\-._~+/]+=*)$`).exec(authorization ?? '');
		if (!match) return {ok: false, reason: authorization ? `not a ${scheme} authorization header` : 'no access token'};
		try {
			const {payload} = await jwtVerify(match[1], jwks, {
				issuer,
				audience: resource,
				typ: 'at+jwt',
				algorithms: ['RS256'],
				requiredClaims: ['exp', 'iat', 'sub'],
			});
			const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
			if (!scopes.includes(requiredScope)) return {ok: false, reason: `scope ${requiredScope} missing`};
			if (typeof payload.iat === 'number' && payload.iat < notBefore) return {ok: false, reason: 'token issued before the API reset'};
			if (!dpop) return {ok: true, payload};
			const jkt = payload.cnf?.jkt;
			if (typeof jkt !== 'string') return {ok: false, reason: 'the access token is not DPoP-bound'};
			const checked = await proofs.check({proof, method, url, accessToken: match[1], jkt});
			return checked.ok ? {ok: true, payload, jkt} : {ok: false, reason: checked.reason, error: checked.error};
		} catch (error) {
			return {ok: false, reason: error && typeof error === 'object' && 'code' in error ? String(error.code) : 'invalid token'};
		}
	};

	const handler = async (request, response) => {
		const url = new URL(request.url ?? '/', 'http://api.invalid');
		const origin = request.headers.origin;
		response.setHeader('vary', 'Origin');
		if (origin === pageOrigin) {
			response.setHeader('access-control-allow-origin', origin);
			response.setHeader('access-control-expose-headers', 'WWW-Authenticate, DPoP-Nonce');
		}

		if (request.method === 'OPTIONS') {
			if (origin === pageOrigin) {
				response.setHeader('access-control-allow-methods', 'GET, POST');
				response.setHeader('access-control-allow-headers', 'authorization, content-type, dpop');
				response.setHeader('access-control-max-age', '600');
			}

			response.writeHead(204).end();
			return;
		}

		// The one route with a body reads it; every other body is drained.
		if (url.pathname !== '/demo/steal') request.resume();
		if (url.pathname === '/me' && request.method === 'GET') {
			if (dpop) response.setHeader('dpop-nonce', proofs.nonce());
			const result = await verify(request.headers.authorization, request.headers.dpop, 'GET', `${new URL(resource).origin}${url.pathname}`);
			const record = {at: Date.now(), status: result.ok ? 200 : 401, reason: result.ok ? undefined : result.reason, jkt: result.jkt, nonce: result.error === 'use_dpop_nonce' || undefined};
			requests.push(record);
			events.emit('request', record);
			if (!result.ok) {
				const error = result.error ?? 'invalid_token';
				response.setHeader('www-authenticate', `${dpop ? 'DPoP' : 'Bearer'} error="${error}", error_description="${result.reason.replace(/["\\]/g, '')}"${dpop ? ', algs="ES256 EdDSA"' : ''}`);
				return json(response, 401, {error, error_description: result.reason});
			}

			const {sub, scope, iat, exp} = result.payload;
			const time = (seconds) => new Date(seconds * 1000).toISOString();
			return json(response, 200, {message: `Hello, ${sub}!`, sub, scope, tokenIssuedAt: time(iat), tokenExpiresAt: time(exp), servedAt: new Date().toISOString(), ...(result.jkt ? {jkt: result.jkt} : {})});
		}

		if (url.pathname === '/demo/steal' && request.method === 'POST' && dpop) {
			return json(response, 200, await steal(await readJson(request)));
		}

		if (url.pathname === '/demo/reject-issued-tokens' && request.method === 'POST') {
			await rejectIssuedTokens();
			return json(response, 200, {notBefore: notBefore * 1000});
		}

		return json(response, 404, {error: 'not_found'});
	};

	/**
	 * Refuse every access token issued until now. `iat` has whole seconds, so this waits for
	 * the next second to begin: tokens issued after it returns are all accepted again.
	 */
	const rejectIssuedTokens = async () => {
		notBefore = Math.floor(Date.now() / 1000) + 1;
		const wait = notBefore * 1000 - Date.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
	};

	/**
	 * What a thief who copied the tokens (but cannot copy a non-extractable key) gets: the newest
	 * refresh token presented without a proof and with a proof of the thief's own key, and the
	 * page's access token presented as a bearer token and with the thief's proof. Every answer is
	 * the server's own; nothing here is simulated but the theft.
	 */
	const steal = async (body) => {
		const {privateKey, publicKey} = await generateKeyPair('ES256');
		const jwk = await exportJWK(publicKey);
		const thiefProof = (htm, htu, extra = {}) => new SignJWT({htm, htu, jti: crypto.randomUUID(), ...extra})
			.setProtectedHeader({typ: 'dpop+jwt', alg: 'ES256', jwk}).setIssuedAt().sign(privateKey);
		const refreshToken = dpop.latestRefreshToken();
		const refresh = async (withProof) => {
			if (!refreshToken) return {status: 0, error: 'no refresh token issued yet'};
			const send = async (nonce) => fetch(dpop.tokenEndpoint, {
				method: 'POST',
				headers: {'content-type': 'application/x-www-form-urlencoded', ...(withProof ? {dpop: await thiefProof('POST', dpop.tokenEndpoint, nonce ? {nonce} : {})} : {})},
				body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: refreshToken, client_id: dpop.clientId}),
			});
			let answer = await send(undefined);
			let json = await answer.json().catch(() => ({}));
			// The thief plays by the rules: the server's nonce, once.
			if (json.error === 'use_dpop_nonce' && answer.headers.get('dpop-nonce')) {
				answer = await send(answer.headers.get('dpop-nonce'));
				json = await answer.json().catch(() => ({}));
			}

			return {status: answer.status, error: json.error, description: json.error_description};
		};

		const accessToken = typeof body?.accessToken === 'string' ? body.accessToken : undefined;
		const meUrl = `${new URL(resource).origin}/me`;
		const access = async (asBearer) => {
			if (!accessToken) return {ok: false, reason: 'no access token given'};
			if (asBearer) return verify(`Bearer ${accessToken}`, undefined, 'GET', meUrl);
			const ath = (await import('node:crypto')).createHash('sha256').update(accessToken).digest('base64url');
			return verify(`DPoP ${accessToken}`, await thiefProof('GET', meUrl, {ath, nonce: proofs.nonce()}), 'GET', meUrl);
		};

		const summary = (result) => ({ok: result.ok, reason: result.reason});
		return {
			refreshWithoutProof: await refresh(false),
			refreshWithOtherKey: await refresh(true),
			accessAsBearer: summary(await access(true)),
			accessWithOtherKey: summary(await access(false)),
		};
	};

	return {handler, events, requests, rejectIssuedTokens};
}

async function readJson(request) {
	let text = '';
	for await (const chunk of request) {
		text += chunk;
		if (text.length > 64 * 1024) return undefined;
	}

	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function json(response, status, body) {
	response.writeHead(status, {'content-type': 'application/json', 'cache-control': 'no-store'});
	response.end(JSON.stringify(body));
}
