import {delay, http, HttpResponse} from 'msw';
import {beforeEach, describe, expect, test, vi} from 'vitest';
import {InvalidOptionError} from '../../src/index.js';
import {createLogin, LoginError} from '../../src/login.js';
import {advance, useFakeClock} from '../helpers/clock.js';
import {captureNavigation, makeLogin, makeOidcManager, setPageUrl} from '../helpers/login.js';
import {APP_ORIGIN, OP, OP_CLIENT, REDIRECT_URI, useOidcServer} from '../helpers/oidc-server.js';
import {mswServer} from '../helpers/token-server.js';

const server = useOidcServer();

beforeEach(() => {
	sessionStorage.clear();
	setPageUrl(`${APP_ORIGIN}/orders?page=2#list`);
});

/** The pending flows in sessionStorage, parsed. */
function storedFlows(): Array<Record<string, unknown>> {
	const keys = Array.from({length: sessionStorage.length}, (_, i) => sessionStorage.key(i) ?? '').filter((key) => key.startsWith('token-baton:login:'));
	return keys.map((key) => JSON.parse(sessionStorage.getItem(key) ?? 'null') as Record<string, unknown>);
}

describe('redirect', () => {
	test('goes to the discovered authorization endpoint with PKCE S256, a fresh state and nonce, and the parameters given', async () => {
		const navigations = captureNavigation();
		const login = makeLogin(makeOidcManager(), {params: {audience: 'https://api.example.test', prompt: 'consent'}});
		await login.redirect({params: {prompt: 'login', resource: ['https://a.example.test/', 'https://b.example.test/'], login_hint: 'ada'}});
		expect(navigations).toHaveLength(1);
		const url = new URL(navigations[0] ?? '');
		expect(url.origin + url.pathname).toBe(`${OP}/authorize`);
		const q = url.searchParams;
		expect(Object.fromEntries(q)).toMatchObject({
			client_id: OP_CLIENT,
			redirect_uri: REDIRECT_URI,
			response_type: 'code',
			scope: 'openid offline_access',
			code_challenge_method: 'S256',
			audience: 'https://api.example.test',
			prompt: 'login',
			login_hint: 'ada',
		});
		expect(q.getAll('resource')).toEqual(['https://a.example.test/', 'https://b.example.test/']);
		expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		const [flow] = storedFlows();
		expect(flow).toEqual({verifier: expect.any(String), state: q.get('state'), nonce: q.get('nonce'), returnTo: '/orders?page=2#list', createdAt: expect.any(Number)});
	});

	test('every login gets its own state, nonce and verifier, and its own entry', async () => {
		const navigations = captureNavigation();
		const login = makeLogin(makeOidcManager());
		await login.redirect();
		await login.redirect();
		await login.redirect({returnTo: '/settings'});
		const states = navigations.map((href) => new URL(href).searchParams.get('state'));
		expect(new Set(states).size).toBe(3);
		expect(new Set(navigations.map((href) => new URL(href).searchParams.get('nonce'))).size).toBe(3);
		expect(new Set(storedFlows().map((flow) => flow.verifier)).size).toBe(3);
		expect(storedFlows().map((flow) => flow.returnTo).sort()).toEqual(['/orders?page=2#list', '/orders?page=2#list', '/settings']);
		// The metadata is discovered once per login object.
		expect(server().discoveryRequests).toBe(1);
	});

	test('abandoned logins are swept away after 10 minutes', async () => {
		useFakeClock();
		captureNavigation();
		const login = makeLogin(makeOidcManager());
		await login.redirect();
		sessionStorage.setItem('token-baton:login:garbage', '{not json');
		sessionStorage.setItem('an-app-key', 'kept');
		await advance(10 * 60_000 + 1000);
		await login.redirect();
		expect(storedFlows().map((flow) => flow.createdAt)).toEqual([Date.now()]);
		expect(sessionStorage.getItem('an-app-key')).toBe('kept');
		expect(sessionStorage.getItem('token-baton:login:garbage')).toBeNull();
	});

	test('returnTo: a path or URL of this origin is kept as a path; another origin is refused before anything happens', async () => {
		const navigations = captureNavigation();
		const login = makeLogin(makeOidcManager());
		await login.redirect({returnTo: `${APP_ORIGIN}/a?b=c#d`});
		expect(storedFlows()[0]?.returnTo).toBe('/a?b=c#d');
		for (const returnTo of ['https://evil.example.test/', '//evil.example.test/x', 'javascript:alert(1)']) {
			await expect(login.redirect({returnTo})).rejects.toMatchObject({name: 'InvalidOptionError', option: 'returnTo'});
		}

		expect(navigations).toHaveLength(1);
		expect(storedFlows()).toHaveLength(1);
	});

	test('the flow\'s own parameters cannot be set, per call or as an option', async () => {
		const login = makeLogin(makeOidcManager());
		for (const name of ['state', 'nonce', 'code_challenge', 'redirect_uri', 'client_id', 'response_type', 'response_mode']) {
			await expect(login.redirect({params: {[name]: 'x'}})).rejects.toMatchObject({option: `params.${name}`});
			expect(() => makeLogin(makeOidcManager(), {params: {[name]: 'x'}})).toThrow(InvalidOptionError);
		}

		await expect(login.redirect({params: {max_age: 'soon'}})).rejects.toMatchObject({option: 'params.max_age'});
		expect(sessionStorage.length).toBe(0);
	});

	test('max_age: the ID token must then say when the user authenticated, recently enough', async () => {
		const navigations = captureNavigation();
		const login = makeLogin(makeOidcManager());
		await login.redirect({params: {max_age: '60'}});
		server().idTokenClaims = {auth_time: Math.floor(Date.now() / 1000) - 3600};
		await expect(login.handleCallback(server().authorize(navigations[0] ?? ''))).rejects.toMatchObject({code: 'invalid_id_token'});
	});

	test('discovery_failed: nothing is kept and the page stays', async () => {
		const navigations = captureNavigation();
		mswServer.use(http.get(`${OP}/.well-known/openid-configuration`, () => new HttpResponse('<html>', {status: 200, headers: {'content-type': 'text/html'}})));
		const failure = makeLogin(makeOidcManager()).redirect();
		await expect(failure).rejects.toBeInstanceOf(LoginError);
		await expect(failure).rejects.toMatchObject({code: 'discovery_failed'});
		expect(navigations).toEqual([]);
		expect(sessionStorage.length).toBe(0);
	});

	test('discovery_failed: a discovery that does not answer in time', async () => {
		useFakeClock();
		mswServer.use(http.get(`${OP}/.well-known/openid-configuration`, () => delay('infinite')));
		const failure = makeLogin(makeOidcManager(), {requestTimeoutSeconds: 3}).redirect();
		const checked = expect(failure).rejects.toMatchObject({code: 'discovery_failed', message: expect.stringMatching(/timed out/)});
		await advance(3000);
		await checked;
	});

	test('discovery_failed: metadata that sends the token exchange over plain http', async () => {
		server().metadata.token_endpoint = 'http://login.example.test/token';
		await expect(makeLogin(makeOidcManager()).redirect()).rejects.toMatchObject({code: 'discovery_failed', message: expect.stringMatching(/token_endpoint uses http/)});
	});

	test('RFC 8414 metadata with discovery: "oauth2"', async () => {
		mswServer.use(http.get(`${OP}/.well-known/oauth-authorization-server`, () => HttpResponse.json(server().metadata)));
		const navigations = captureNavigation();
		await makeLogin(makeOidcManager(), {discovery: 'oauth2'}).redirect();
		expect(navigations).toHaveLength(1);
		expect(server().discoveryRequests).toBe(0);
	});

	test('explicit endpoints: nothing is discovered', async () => {
		const navigations = captureNavigation();
		const login = makeLogin(makeOidcManager(), {endpoints: {authorization: `${OP}/authorize`, token: `${OP}/token`}});
		await login.redirect();
		await expect(login.handleCallback(server().authorize(navigations[0] ?? ''))).resolves.toBeDefined();
		expect(server().discoveryRequests).toBe(0);
	});

	test('storage_unavailable: without sessionStorage no login starts', async () => {
		const navigations = captureNavigation();
		// As in a sandboxed iframe or with storage blocked: every access throws.
		const blocked = () => {
			throw new DOMException('blocked', 'SecurityError');
		};
		vi.stubGlobal('sessionStorage', {getItem: blocked, setItem: blocked, removeItem: blocked, key: blocked, get length(): number {
			return blocked();
		}});
		await expect(makeLogin(makeOidcManager()).redirect()).rejects.toMatchObject({code: 'storage_unavailable'});
		expect(navigations).toEqual([]);
	});
});

describe('options', () => {
	test('are checked at construction: InvalidOptionError names the option', () => {
		const auth = makeOidcManager();
		const base = {issuer: OP, clientId: OP_CLIENT, redirectUri: REDIRECT_URI};
		const cases: Array<[Record<string, unknown>, string]> = [
			[{...base, issuer: undefined}, 'issuer'],
			[{...base, issuer: 'auth.example.test'}, 'issuer'],
			[{...base, clientId: ''}, 'clientId'],
			[{...base, redirectUri: '/callback'}, 'redirectUri'],
			[{...base, scope: ' '}, 'scope'],
			[{...base, discovery: 'saml'}, 'discovery'],
			[{...base, requestTimeoutSeconds: 0}, 'requestTimeoutSeconds'],
			[{...base, endpoints: {authorization: `${OP}/authorize`}}, 'endpoints.token'],
			[{...base, params: {prompt: 1}}, 'params.prompt'],
			[{...base, clientSecret: 'no'}, 'clientSecret'],
		];
		for (const [options, option] of cases) {
			expect(() => createLogin(auth, options as never), option).toThrow(expect.objectContaining({name: 'InvalidOptionError', option}));
		}

		expect(() => createLogin({} as never, base)).toThrow(expect.objectContaining({option: 'auth'}));
	});

	test('plain http: refused for a remote issuer, fine for localhost and 127.0.0.1, or with dangerouslyAllowInsecureHttp', async () => {
		const auth = makeOidcManager();
		const base = {clientId: OP_CLIENT, redirectUri: REDIRECT_URI};
		expect(() => createLogin(auth, {...base, issuer: 'http://login.example.test'})).toThrow(/must use https:.*dangerouslyAllowInsecureHttp/);
		expect(() => createLogin(auth, {...base, issuer: OP, endpoints: {authorization: `${OP}/a`, token: 'http://login.example.test/token'}})).toThrow(
			expect.objectContaining({option: 'endpoints.token'}),
		);
		for (const issuer of ['http://localhost:5174', 'http://127.0.0.1:5174', 'http://[::1]:5174', 'http://auth.localhost']) {
			expect(() => createLogin(auth, {...base, issuer})).not.toThrow();
		}

		// Opted in: discovery and the exchange go over http (oauth4webapi refuses that by default).
		const insecure = 'http://login.example.test';
		mswServer.use(
			http.get(`${insecure}/.well-known/openid-configuration`, () => HttpResponse.json({...server().metadata, issuer: insecure, token_endpoint: `${insecure}/token`})),
			http.post(`${insecure}/token`, () => HttpResponse.json({access_token: 'at', token_type: 'Bearer'})),
		);
		const navigations = captureNavigation();
		const login = createLogin(auth, {...base, issuer: insecure, scope: 'offline_access', dangerouslyAllowInsecureHttp: true});
		await login.redirect();
		await expect(login.handleCallback(server().authorize(navigations[0] ?? '', {iss: insecure}))).resolves.toBeDefined();
	});
});
