import {createHash} from 'node:crypto';
import {delay, http, HttpResponse} from 'msw';
import {beforeEach, describe, expect, test} from 'vitest';
import {LoginError} from '../../src/login.js';
import {advance, useFakeClock} from '../helpers/clock.js';
import {captureNavigation, makeLogin, makeOidcManager, setPageUrl, webStorageText} from '../helpers/login.js';
import {next} from '../helpers/managers.js';
import {APP_ORIGIN, OP, REDIRECT_URI, useOidcServer} from '../helpers/oidc-server.js';
import {mswServer} from '../helpers/token-server.js';

const server = useOidcServer();

beforeEach(() => {
	sessionStorage.clear();
	setPageUrl(`${APP_ORIGIN}/orders?page=2`);
});

/** Start a login in this tab and let the user sign in; returns the callback URL (the page is not moved). */
async function startLogin(login = makeLogin(makeOidcManager()), answer: Parameters<ReturnType<typeof server>['authorize']>[1] = {}): Promise<string> {
	const navigations = captureNavigation();
	await login.redirect();
	return server().authorize(navigations.at(-1) ?? '', answer);
}

describe('handleCallback: a completed login', () => {
	test('exchanges the code once with the PKCE verifier, signs every tab in, cleans the address bar and returns returnTo', async () => {
		const tab = makeOidcManager();
		const otherTab = makeOidcManager();
		await Promise.all([tab.ready, otherTab.ready]);
		const login = makeLogin(tab);
		const callback = await startLogin(login);
		setPageUrl(callback);
		const otherSignedIn = next(otherTab, 'signed-in');

		await expect(login.handleCallback()).resolves.toEqual({returnTo: '/orders?page=2'});
		expect(tab.state).toBe('signed-in');
		await expect(otherSignedIn).resolves.toEqual({source: 'tab'});
		expect(await otherTab.getAccessToken()).toBe('at-1');
		expect(tab.session?.idToken).toEqual(expect.any(String));

		const [exchange] = server().exchanges;
		expect(server().exchanges).toHaveLength(1);
		expect(exchange?.params.get('redirect_uri')).toBe(REDIRECT_URI);
		expect(exchange?.params.get('code')).toBe(new URL(callback).searchParams.get('code'));
		// The server checked S256 itself; here: the verifier is the one behind the challenge sent.
		expect(exchange?.status).toBe(200);
		expect(location.href).toBe(REDIRECT_URI);
		expect(sessionStorage.length).toBe(0);
	});

	test('keeps the rest of the address bar: only the response parameters go', async () => {
		const login = makeLogin(makeOidcManager(), {redirectUri: `${REDIRECT_URI}?tenant=acme`});
		const callback = await startLogin(login);
		setPageUrl(`${callback}#top`);
		await login.handleCallback();
		expect(location.href).toBe(`${REDIRECT_URI}?tenant=acme#top`);
	});

	test('no token is ever in web storage or the address bar', async () => {
		const auth = makeOidcManager();
		const login = makeLogin(auth);
		const callback = await startLogin(login);
		const [key, ...others] = Array.from({length: sessionStorage.length}, (_, i) => sessionStorage.key(i));
		expect(others).toEqual([]);
		// Only the flow's one-time values wait in sessionStorage.
		expect(Object.keys(JSON.parse(sessionStorage.getItem(key ?? '') ?? '{}')).sort()).toEqual(['createdAt', 'nonce', 'returnTo', 'state', 'verifier']);
		setPageUrl(callback);
		await login.handleCallback();
		const storage = webStorageText();
		for (const secret of ['at-1', 'rt-1', auth.session?.idToken ?? 'no id token']) {
			expect(storage).not.toContain(secret);
			expect(location.href).not.toContain(secret);
		}
	});

	test('two logins started in one tab both complete, in either order (one flow per state, not one slot per client)', async () => {
		const auth = makeOidcManager();
		const login = makeLogin(auth);
		const first = await startLogin(login);
		const second = await startLogin(login);
		expect(sessionStorage.length).toBe(2);
		await expect(login.handleCallback(second)).resolves.toEqual({returnTo: '/orders?page=2'});
		await expect(login.handleCallback(first)).resolves.toEqual({returnTo: '/orders?page=2'});
		expect(server().accepted).toHaveLength(2);
		expect(await auth.getAccessToken()).toBe('at-1');
	});

	test('a scope without openid: no nonce, no ID token required', async () => {
		const auth = makeOidcManager();
		const login = makeLogin(auth, {scope: 'api:read offline_access'});
		const navigations = captureNavigation();
		await login.redirect();
		expect(new URL(navigations[0] ?? '').searchParams.has('nonce')).toBe(false);
		await expect(login.handleCallback(server().authorize(navigations[0] ?? ''))).resolves.toEqual({returnTo: '/orders?page=2'});
		expect(auth.session?.idToken).toBeUndefined();
	});

	test('a browser clock hours off does not stop the login: ID token times are read against the server\'s clock', async () => {
		for (const offset of [-3 * 3600, 3 * 3600]) {
			server().clockOffsetSeconds = offset;
			const login = makeLogin(makeOidcManager());
			await expect(login.handleCallback(await startLogin(login))).resolves.toBeDefined();
		}
	});

	test('returns undefined for a URL that is not an authorization response, and touches nothing', async () => {
		const login = makeLogin(makeOidcManager());
		await startLogin(login);
		for (const url of [`${APP_ORIGIN}/orders?code=A1&state=x`, `${REDIRECT_URI}?page=3`, REDIRECT_URI, `https://other.example.test/callback?code=x&state=y`]) {
			setPageUrl(url);
			await expect(login.handleCallback()).resolves.toBeUndefined();
			expect(location.href).toBe(url);
		}

		expect(server().exchanges).toEqual([]);
		expect(sessionStorage.length).toBe(1);
	});
});

describe('handleCallback: failures are LoginErrors with a stable code', () => {
	test('unknown_flow: the same callback URL again (reload, back button) is refused and its code never sent twice', async () => {
		const login = makeLogin(makeOidcManager());
		const callback = await startLogin(login);
		await login.handleCallback(callback);
		const again = login.handleCallback(callback);
		await expect(again).rejects.toBeInstanceOf(LoginError);
		await expect(again).rejects.toMatchObject({name: 'LoginError', code: 'unknown_flow', message: expect.stringMatching(/already completed/)});
		expect(server().exchanges).toHaveLength(1);
	});

	test('called again while the callback is under way (React StrictMode runs effects twice): the same result, one exchange', async () => {
		const login = makeLogin(makeOidcManager());
		setPageUrl(await startLogin(login));
		const first = login.handleCallback();
		// The address bar is already clean: the second call asks about the cleaned page.
		expect(location.href).toBe(REDIRECT_URI);
		const second = login.handleCallback();
		expect(second).toBe(first);
		await expect(second).resolves.toEqual({returnTo: '/orders?page=2'});
		expect(server().exchanges).toHaveLength(1);
		// Once it is over, the page is just the page.
		await expect(login.handleCallback()).resolves.toBeUndefined();
	});

	test('unknown_flow: a flow older than 10 minutes is refused and removed; a younger one completes', async () => {
		useFakeClock();
		const login = makeLogin(makeOidcManager());
		const young = await startLogin(login);
		await advance(9 * 60_000);
		await expect(login.handleCallback(young)).resolves.toBeDefined();

		const old = await startLogin(login);
		await advance(10 * 60_000 + 1000);
		await expect(login.handleCallback(old)).rejects.toMatchObject({code: 'unknown_flow', message: expect.stringMatching(/10 minutes/)});
		expect(sessionStorage.length).toBe(0);
		expect(server().exchanges).toHaveLength(1);
	});

	test('unknown_flow: a response for a login this tab never started', async () => {
		const login = makeLogin(makeOidcManager());
		const callback = await startLogin(login);
		sessionStorage.clear();
		await expect(login.handleCallback(callback)).rejects.toMatchObject({code: 'unknown_flow'});
		expect(server().exchanges).toEqual([]);
	});

	test('state_mismatch: a response without a state, or with two', async () => {
		const login = makeLogin(makeOidcManager());
		const withoutState = await startLogin(login, {state: null});
		await expect(login.handleCallback(withoutState)).rejects.toMatchObject({code: 'state_mismatch'});
		const doubled = new URL(await startLogin(login));
		doubled.searchParams.append('state', 'another');
		await expect(login.handleCallback(doubled)).rejects.toMatchObject({code: 'state_mismatch'});
		expect(server().exchanges).toEqual([]);
	});

	test('iss_mismatch: another issuer, or no iss from a server that promises one (RFC 9207); the flow is used up', async () => {
		const login = makeLogin(makeOidcManager());
		const foreign = await startLogin(login, {iss: 'https://evil.example.test'});
		await expect(login.handleCallback(foreign)).rejects.toMatchObject({code: 'iss_mismatch'});
		await expect(login.handleCallback(foreign)).rejects.toMatchObject({code: 'unknown_flow'});
		const missing = await startLogin(login, {iss: null});
		await expect(login.handleCallback(missing)).rejects.toMatchObject({code: 'iss_mismatch'});
		// An error response from another issuer is a mix-up too, not that server's error.
		const foreignError = await startLogin(login, {iss: 'https://evil.example.test', error: 'access_denied'});
		await expect(login.handleCallback(foreignError)).rejects.toMatchObject({code: 'iss_mismatch'});
		expect(server().exchanges).toEqual([]);
	});

	test('no iss is fine from a server that does not promise one', async () => {
		server().metadata.authorization_response_iss_parameter_supported = false;
		const login = makeLogin(makeOidcManager());
		await expect(login.handleCallback(await startLogin(login, {iss: null}))).resolves.toBeDefined();
	});

	test.for(['access_denied', 'login_required', 'consent_required'])('the server\'s own error: %s, with its description', async (error) => {
		const login = makeLogin(makeOidcManager());
		const callback = await startLogin(login, {error, description: 'End-User aborted interaction'});
		setPageUrl(callback);
		await expect(login.handleCallback()).rejects.toMatchObject({name: 'LoginError', code: error, error, errorDescription: 'End-User aborted interaction'});
		expect(location.href).toBe(REDIRECT_URI);
		expect(server().exchanges).toEqual([]);
	});

	test('discovery_failed: metadata missing, unreachable, or naming another issuer; a later call tries again', async () => {
		const discovery = `${OP}/.well-known/openid-configuration`;
		// A new page load: the login that started the flow had the metadata already.
		const callbackPage = () => makeLogin(makeOidcManager());
		const first = await startLogin();
		mswServer.use(http.get(discovery, () => HttpResponse.json({error: 'not_found'}, {status: 404}), {once: true}));
		await expect(callbackPage().handleCallback(first)).rejects.toMatchObject({code: 'discovery_failed'});
		const second = await startLogin();
		mswServer.use(http.get(discovery, () => HttpResponse.error(), {once: true}));
		await expect(callbackPage().handleCallback(second)).rejects.toMatchObject({code: 'discovery_failed'});
		const callback = await startLogin();
		server().metadata.issuer = 'https://evil.example.test';
		const page = callbackPage();
		await expect(page.handleCallback(callback)).rejects.toMatchObject({code: 'discovery_failed'});
		// The failure was not kept: the next call of the same login discovers again.
		server().metadata.issuer = OP;
		await expect(page.handleCallback(await startLogin())).resolves.toBeDefined();
	});

	test('exchange_failed: the token endpoint refuses the code (its error, description and status)', async () => {
		server().respondNext(() => HttpResponse.json({error: 'invalid_grant', error_description: 'grant request is invalid'}, {status: 400}));
		const auth = makeOidcManager();
		const login = makeLogin(auth);
		await expect(login.handleCallback(await startLogin(login))).rejects.toMatchObject({
			code: 'exchange_failed',
			error: 'invalid_grant',
			errorDescription: 'grant request is invalid',
			status: 400,
		});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
	});

	test.for([
		['HTML from a proxy', () => new HttpResponse('<html>bad gateway</html>', {status: 502, headers: {'content-type': 'text/html'}})],
		['a network error', () => HttpResponse.error()],
		['no access_token', () => HttpResponse.json({token_type: 'Bearer'})],
		['an unsupported token type', (exchange: {params: URLSearchParams}) => HttpResponse.json({access_token: 'at', token_type: 'N_A', code: exchange.params.get('code')})],
	] as const)('exchange_failed: %s', async ([, respond]) => {
		server().respondNext(respond);
		const auth = makeOidcManager();
		const login = makeLogin(auth, {scope: 'offline_access'});
		await expect(login.handleCallback(await startLogin(login))).rejects.toMatchObject({code: 'exchange_failed'});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
	});

	test('exchange_failed: a response the manager refuses (DPoP-bound tokens before DPoP support) starts no session', async () => {
		server().respondNext(() => HttpResponse.json({access_token: 'at', token_type: 'DPoP', expires_in: 60}));
		const auth = makeOidcManager();
		const login = makeLogin(auth, {scope: 'offline_access'});
		const failure = login.handleCallback(await startLogin(login));
		await expect(failure).rejects.toMatchObject({code: 'exchange_failed', cause: expect.objectContaining({name: 'InvalidResponseError'})});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
	});

	test('exchange_failed: a token endpoint that does not answer in time', async () => {
		useFakeClock();
		mswServer.use(http.post(`${OP}/token`, () => delay('infinite')));
		const login = makeLogin(makeOidcManager(), {requestTimeoutSeconds: 5});
		const failure = login.handleCallback(await startLogin(login));
		const checked = expect(failure).rejects.toMatchObject({code: 'exchange_failed', message: expect.stringMatching(/in time/)});
		await advance(5000);
		await checked;
	});

	test.for([
		['another nonce', {nonce: 'not-this-flow'}],
		['another audience', {aud: 'another-client'}],
		['another issuer', {iss: 'https://evil.example.test'}],
		['an expiry before its issue time', {exp: 1}],
		['no subject', {sub: undefined}],
		['an algorithm the server does not use', {}, {alg: 'HS256'}],
	] as const)('invalid_id_token: %s', async ([, claims, header]) => {
		server().idTokenClaims = {...claims};
		if (header) server().respondNext(() => HttpResponse.json({access_token: 'at', token_type: 'Bearer', id_token: `${Buffer.from(JSON.stringify(header)).toString('base64url')}.e30.sig`}));
		const auth = makeOidcManager();
		const login = makeLogin(auth);
		await expect(login.handleCallback(await startLogin(login))).rejects.toMatchObject({code: 'invalid_id_token'});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
	});

	test('invalid_id_token: an OpenID login answered without an ID token', async () => {
		server().respondNext(() => HttpResponse.json({access_token: 'at', token_type: 'Bearer', refresh_token: 'rt'}));
		const auth = makeOidcManager();
		const login = makeLogin(auth);
		await expect(login.handleCallback(await startLogin(login))).rejects.toMatchObject({code: 'invalid_id_token'});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
	});

	test('invalid_response: tokens in the URL (implicit flow) are refused', async () => {
		const login = makeLogin(makeOidcManager());
		const callback = new URL(await startLogin(login));
		callback.searchParams.set('access_token', 'leaked');
		callback.searchParams.set('token', 'leaked');
		await expect(login.handleCallback(callback)).rejects.toMatchObject({code: 'invalid_response'});
		expect(server().exchanges).toEqual([]);
	});
});

test('the PKCE challenge sent is the S256 of the verifier the exchange presents', async () => {
	const navigations = captureNavigation();
	const login = makeLogin(makeOidcManager());
	await login.redirect();
	const challenge = new URL(navigations[0] ?? '').searchParams.get('code_challenge');
	await login.handleCallback(server().authorize(navigations[0] ?? ''));
	const verifier = server().exchanges[0]?.params.get('code_verifier') ?? '';
	expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
	expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
});
