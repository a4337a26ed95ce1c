/**
 * Starts the whole demo in this process: the authorization server (oidc-provider), the
 * protected API and the page, each on its own origin on 127.0.0.1. Used by `npm run demo`
 * (demo/start.mjs) and by the interop tests (test/interop/), so they cannot drift apart.
 * Types for TypeScript callers: index.d.mts.
 */
import {createServer} from 'node:http';
import {API_SCOPE, CLIENT_ID, createAuthServer} from './auth-server.mjs';
import {createApiServer} from './api-server.mjs';
import {createPageServer} from './page-server.mjs';

export {CLIENT_ID, API_SCOPE} from './auth-server.mjs';

const HOST = '127.0.0.1';

export const DEFAULT_SETTINGS = Object.freeze({
	accessTokenTtl: 30,
	refreshTokenTtl: 8 * 3600,
	refreshLeewaySeconds: 10,
});

/**
 * @param {{pagePort?: number, authPort?: number, apiPort?: number,
 *   accessTokenTtl?: number, refreshTokenTtl?: number, refreshLeewaySeconds?: number, dpop?: boolean}} [options]
 *   dpop: DPoP (RFC 9449) end to end: the server binds tokens to the page's key and wants nonces,
 *   the API checks proofs, the page turns on token-baton's `dpop` option. Off unless asked for.
 */
export async function startDemo(options = {}) {
	const settings = {
		accessTokenTtl: options.accessTokenTtl ?? DEFAULT_SETTINGS.accessTokenTtl,
		refreshTokenTtl: options.refreshTokenTtl ?? DEFAULT_SETTINGS.refreshTokenTtl,
		refreshLeewaySeconds: options.refreshLeewaySeconds ?? DEFAULT_SETTINGS.refreshLeewaySeconds,
	};

	// Listen first: the issuer (and every origin) must name the real port.
	const servers = [];
	const listen = async (port) => {
		let handle = (_request, response) => response.writeHead(503).end();
		const server = createServer((request, response) => {
			Promise.resolve(handle(request, response)).catch((error) => {
				console.error('demo: request failed:', error instanceof Error ? error.message : error);
				if (!response.headersSent) response.writeHead(500, {'content-type': 'text/plain'});
				response.end('internal error');
			});
		});
		servers.push(server);
		await new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, HOST, () => {
				server.off('error', reject);
				resolve();
			});
		});
		const address = server.address();
		return {origin: `http://${HOST}:${address.port}`, setHandler: (h) => (handle = h)};
	};

	const close = async () => {
		await Promise.all(
			servers.map(
				(server) =>
					new Promise((resolve) => {
						server.closeAllConnections();
						server.close(() => resolve());
					}),
			),
		);
	};

	try {
		const page = await listen(options.pagePort ?? 0);
		const auth = await listen(options.authPort ?? 0);
		const api = await listen(options.apiPort ?? 0);
		const issuer = auth.origin;
		// The API's resource indicator (RFC 8707) and the `aud` of its access tokens.
		const resource = `${api.origin}/`;

		const dpop = options.dpop === true;
		const authServer = await createAuthServer({issuer, pageOrigin: page.origin, resource, settings, dpop});
		const apiServer = createApiServer({
			issuer,
			jwksUri: `${issuer}/jwks`,
			resource,
			requiredScope: API_SCOPE,
			pageOrigin: page.origin,
			...(dpop ? {dpop: {tokenEndpoint: `${issuer}/token`, clientId: CLIENT_ID, latestRefreshToken: authServer.latestRefreshToken}} : {}),
		});
		const pageServer = await createPageServer({
			config: () => ({
				issuer,
				tokenEndpoint: `${issuer}/token`,
				revocationEndpoint: `${issuer}/token/revocation`,
				clientId: CLIENT_ID,
				apiOrigin: api.origin,
				resource,
				scope: `openid offline_access ${API_SCOPE}`,
				refreshLeewaySeconds: settings.refreshLeewaySeconds,
				dpop,
			}),
		});

		auth.setHandler(authServer.callback);
		api.setHandler(apiServer.handler);
		page.setHandler(pageServer.handler);

		return {
			pageUrl: `${page.origin}/`,
			pageOrigin: page.origin,
			issuer,
			apiOrigin: api.origin,
			resource,
			clientId: CLIENT_ID,
			tokenEndpoint: `${issuer}/token`,
			revocationEndpoint: `${issuer}/token/revocation`,
			settings,
			dpop,
			provider: authServer.provider,
			authEvents: authServer.events,
			tokenRequests: authServer.tokenRequests,
			revokedGrants: authServer.revokedGrants,
			latestRefreshToken: authServer.latestRefreshToken,
			apiEvents: apiServer.events,
			apiRequests: apiServer.requests,
			rejectIssuedAccessTokens: apiServer.rejectIssuedTokens,
			/** Forget the recorded requests (not the provider's state). */
			clearRecords() {
				authServer.tokenRequests.length = 0;
				authServer.revokedGrants.length = 0;
				apiServer.requests.length = 0;
			},
			close,
		};
	} catch (error) {
		await close();
		throw error;
	}
}
