/**
 * The demo's authorization server: node-oidc-provider (OpenID Certified), configured the way
 * a strict production server for a single-page app would be:
 *
 * - one public client (no secret, PKCE S256 required, authorization_code + refresh_token);
 * - refresh-token rotation, with reuse detection: a consumed refresh token presented again
 *   revokes the whole grant (every refresh and access token issued from that login);
 * - short-lived JWT access tokens (RFC 9068) for one API, through resource indicators;
 * - RFC 7009 revocation; CORS only for the demo page's origin;
 * - with `dpop`: DPoP (RFC 9449) required for the client (`dpop_bound_access_tokens`), with
 *   server nonces (rotated every minute, sent on every token response);
 * - its development login and consent pages (any user name and password are accepted).
 */
import {createHash, generateKeyPairSync, randomBytes} from 'node:crypto';
import {EventEmitter} from 'node:events';
import {createMapAdapter} from './map-adapter.mjs';

export const CLIENT_ID = 'token-baton-demo';
/** The scope the API requires; the page asks for it together with openid and offline_access. */
export const API_SCOPE = 'api:read';

// oidc-provider 9 prints these on Node 20 and for its development login pages: expected here.
const EXPECTED_WARNINGS = [
	/^oidc-provider WARNING: Unsupported runtime\b/,
	/^oidc-provider WARNING: a quick start development-only feature devInteractions is enabled\b/,
];

/**
 * Run `fn` with console.warn filtered: the two expected oidc-provider warnings are dropped,
 * everything else passes through. Only around import and construction, never globally.
 */
async function quietly(fn) {
	const warn = console.warn;
	console.warn = (...args) => {
		const [first] = args;
		const text = typeof first === 'string' ? first.replace(/\x1b\[[0-9;]*m/g, '') : '';
		if (EXPECTED_WARNINGS.some((pattern) => pattern.test(text))) return;
		warn.apply(console, args);
	};

	try {
		return await fn();
	} finally {
		console.warn = warn;
	}
}

/** A short, non-reversible label for a token in records and logs: never the token itself. */
export function fingerprint(token) {
	return createHash('sha256').update(token).digest('hex').slice(0, 8);
}

/**
 * @param {{
 *   issuer: string,            // exactly the origin it is served from, e.g. http://127.0.0.1:5174
 *   pageOrigin: string,        // the SPA: redirect URI base and the only CORS origin
 *   resource: string,          // the API's resource indicator (also the JWT audience)
 *   settings: {accessTokenTtl: number, refreshTokenTtl: number},  // read on every issue
 *   dpop?: boolean,            // DPoP-bound tokens only, with nonces
 * }} options
 */
export async function createAuthServer({issuer, pageOrigin, resource, settings, dpop = false}) {
	const {default: Provider, errors} = await quietly(() => import('oidc-provider'));

	// A fresh signing key per start: tokens from an earlier run are worthless.
	const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
	const signingKey = {...privateKey.export({format: 'jwk'}), kid: `demo-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig'};

	const configuration = {
		adapter: createMapAdapter(),
		jwks: {keys: [signingKey]},
		cookies: {keys: [randomBytes(32).toString('base64url')]},
		clients: [
			{
				client_id: CLIENT_ID,
				application_type: 'web',
				token_endpoint_auth_method: 'none',
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				redirect_uris: [`${pageOrigin}/`],
				// RP-initiated logout (token-baton/login's logout) comes back to the page.
				post_logout_redirect_uris: [`${pageOrigin}/`],
				// Every token request must carry a DPoP proof: a token without the key is worthless.
				...(dpop ? {dpop_bound_access_tokens: true} : {}),
			},
		],
		scopes: ['openid', 'offline_access'],
		pkce: {required: () => true},
		// A refresh token only for a granted offline_access scope (which oidc-provider keeps only
		// when the authorization request has prompt=consent, as OpenID Connect Core §11 asks).
		issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
		// Every refresh returns a new refresh token and consumes the old one; a consumed one
		// presented again revokes the grant.
		rotateRefreshToken: true,
		clientBasedCORS: (_ctx, origin) => origin === pageOrigin,
		findAccount: async (_ctx, sub) => ({
			accountId: sub,
			claims: async () => ({sub, name: sub}),
		}),
		ttl: {
			AccessToken: () => settings.accessTokenTtl,
			AuthorizationCode: 60,
			IdToken: 3600,
			Interaction: 600,
			Session: 86_400,
			Grant: 86_400,
			// Absolute lifetime: a rotated refresh token inherits what is left of the first one's.
			RefreshToken: (ctx) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? settings.refreshTokenTtl,
		},
		features: {
			devInteractions: {enabled: true},
			// DPoP with server nonces: a 32-byte secret and nonces required (use_dpop_nonce otherwise).
			dPoP: dpop ? {enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true} : {enabled: true},
			// RP-initiated logout (token-baton/login's logout): the user confirms on this page. `form`
			// is the provider's own form (with its CSRF token); the button submits it with logout=yes.
			rpInitiatedLogout: {
				enabled: true,
				logoutSource: async (ctx, form) => {
					ctx.type = 'html';
					ctx.body = `<!doctype html><meta charset="utf-8"><title>Sign out</title><h1>Sign out of the demo's authorization server?</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button> <button type="submit" form="op.logoutForm">No, stay signed in</button>`;
				},
			},
			revocation: {
				enabled: true,
				// A public client may revoke only its own tokens.
				allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
			},
			resourceIndicators: {
				enabled: true,
				defaultResource: async (_ctx, _client, oneOf) => oneOf,
				// Refreshes without a resource parameter get an access token for the granted API again.
				useGrantedResource: async () => true,
				getResourceServerInfo: async (_ctx, indicator) => {
					if (indicator !== resource) throw new errors.InvalidTarget();
					return {
						scope: API_SCOPE,
						audience: resource,
						accessTokenTTL: settings.accessTokenTtl,
						accessTokenFormat: 'jwt',
						jwt: {sign: {alg: 'RS256'}},
					};
				},
			},
		},
		renderError: async (ctx, out) => {
			ctx.type = 'html';
			const safe = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
			ctx.body = `<!doctype html><meta charset="utf-8"><title>oidc-provider error</title><h1>${safe(out.error)}</h1><p>${safe(out.error_description ?? '')}</p><p><a href="${safe(pageOrigin)}/">Back to the demo</a></p>`;
		},
	};

	const provider = await quietly(() => new Provider(issuer, configuration));

	const events = new EventEmitter();
	/** Every request to the token and revocation endpoints, without token values. */
	const tokenRequests = [];
	const revokedGrants = [];
	const errorDetails = new WeakMap();
	let latestRefreshToken;

	provider.on('grant.error', (ctx, error) => errorDetails.set(ctx, error.error_detail));
	provider.on('revocation.error', (ctx, error) => errorDetails.set(ctx, error.error_detail ?? error.error_description));
	provider.on('grant.revoked', (_ctx, grantId) => {
		const record = {at: Date.now(), grant: fingerprint(grantId)};
		revokedGrants.push(record);
		events.emit('grant-revoked', record);
	});
	provider.on('refresh_token.saved', (token) => {
		latestRefreshToken = token.jti;
	});

	provider.use(async (ctx, next) => {
		await next();
		const route = ctx.oidc?.route;
		if (route !== 'token' && route !== 'revocation') return;
		if (ctx.method !== 'POST') return;
		const params = ctx.oidc.params ?? {};
		const body = typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {};
		const presented = route === 'token' ? params.refresh_token : params.token;
		const record = {
			at: Date.now(),
			route,
			grantType: route === 'token' ? params.grant_type : undefined,
			status: ctx.status,
			error: typeof body.error === 'string' ? body.error : undefined,
			detail: errorDetails.get(ctx),
			origin: ctx.get('origin') || undefined,
			presented: typeof presented === 'string' && presented !== '' ? fingerprint(presented) : undefined,
			issued: typeof body.refresh_token === 'string' ? fingerprint(body.refresh_token) : undefined,
		};
		tokenRequests.push(record);
		events.emit('token-request', record);
	});

	return {
		provider,
		events,
		tokenRequests,
		revokedGrants,
		/** The newest refresh token the server issued (for tests that replay it; never log it). */
		latestRefreshToken: () => latestRefreshToken,
		callback: provider.callback(),
	};
}
