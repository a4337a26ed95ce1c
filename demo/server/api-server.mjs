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
 */
import {EventEmitter} from 'node:events';
import {createRemoteJWKSet, jwtVerify} from 'jose';

/**
 * @param {{issuer: string, jwksUri: string, resource: string, requiredScope: string, pageOrigin: string}} options
 */
export function createApiServer({issuer, jwksUri, resource, requiredScope, pageOrigin}) {
	const jwks = createRemoteJWKSet(new URL(jwksUri));
	const events = new EventEmitter();
	/** One record per /me request: the status and, for a 401, why. Never the token. */
	const requests = [];
	/** Access tokens with an `iat` (seconds) below this are refused. */
	let notBefore = 0;

	const verify = async (authorization) => {
		const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization ?? '');
		if (!match) return {ok: false, reason: authorization ? 'malformed authorization header' : 'no bearer token'};
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
			return {ok: true, payload};
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
			response.setHeader('access-control-expose-headers', 'WWW-Authenticate');
		}

		if (request.method === 'OPTIONS') {
			if (origin === pageOrigin) {
				response.setHeader('access-control-allow-methods', 'GET, POST');
				response.setHeader('access-control-allow-headers', 'authorization, content-type');
				response.setHeader('access-control-max-age', '600');
			}

			response.writeHead(204).end();
			return;
		}

		request.resume();
		if (url.pathname === '/me' && request.method === 'GET') {
			const result = await verify(request.headers.authorization);
			const record = {at: Date.now(), status: result.ok ? 200 : 401, reason: result.ok ? undefined : result.reason};
			requests.push(record);
			events.emit('request', record);
			if (!result.ok) {
				response.setHeader('www-authenticate', `Bearer error="invalid_token", error_description="${result.reason.replace(/["\\]/g, '')}"`);
				return json(response, 401, {error: 'invalid_token', error_description: result.reason});
			}

			const {sub, scope, iat, exp} = result.payload;
			const time = (seconds) => new Date(seconds * 1000).toISOString();
			return json(response, 200, {message: `Hello, ${sub}!`, sub, scope, tokenIssuedAt: time(iat), tokenExpiresAt: time(exp), servedAt: new Date().toISOString()});
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

	return {handler, events, requests, rejectIssuedTokens};
}

function json(response, status, body) {
	response.writeHead(status, {'content-type': 'application/json', 'cache-control': 'no-store'});
	response.end(JSON.stringify(body));
}
