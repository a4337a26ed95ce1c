/**
 * Interop (issue 15): `token-baton/login` in real Chromium tabs against the demo's oidc-provider,
 * through its real login, consent and logout pages, filled in as a user would. The demo page
 * logs in with `login.redirect()` and finishes with `login.handleCallback()` on every load.
 */
import {beforeAll, expect, test} from 'vitest';
import type {DemoServer} from '../../demo/server/index.mjs';
import {until, useInterop, type DemoTab} from './harness.js';

const interop = useInterop();
let demo: DemoServer;
beforeAll(() => {
	demo = interop.demo;
});

const codeExchanges = () => demo.tokenRequests.filter((record) => record.grantType === 'authorization_code');

/** Web storage and the address bar of a tab: a login must leave no token in either. */
async function visibleTraces(tab: DemoTab): Promise<{session: string; local: string; url: string}> {
	return tab.page.evaluate(() => ({
		session: JSON.stringify(Object.entries(sessionStorage)),
		local: JSON.stringify(Object.entries(localStorage)),
		url: location.href,
	}));
}

test('sign in through the login and consent pages: every open tab signs in, and no token is left in web storage or the URL', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tab = await interop.openTab();
	const other = await interop.openTab();
	expect(await other.state()).toBe('signed-out');

	await tab.login();
	await other.waitForState('signed-in', 5000);
	expect(await tab.loginOutcome()).toEqual({ok: true, returnTo: '/'});
	expect((await other.events()).filter((event) => event.name === 'signed-in').map((event) => event.source)).toEqual(['tab']);
	expect(codeExchanges()).toEqual([expect.objectContaining({status: 200, origin: demo.pageOrigin})]);

	// The access token is a JWT for the API, usable from the other tab at once.
	expect(await other.callApi('fetch')).toEqual({ok: true, via: 'fetch', status: 200, sub: 'alice'});
	expect(await tab.page.evaluate(() => window.tokenBatonDemo?.auth.session?.idToken !== undefined)).toBe(true);
	const traces = await visibleTraces(tab);
	expect(traces).toEqual({session: '[]', local: '[]', url: demo.pageUrl});
	const token = await tab.page.evaluate(async () => window.tokenBatonDemo?.auth.getAccessToken());
	expect(token).toMatch(/^ey/);
	expect(JSON.stringify(traces)).not.toContain(token?.slice(-20));
});

test('two tabs start a login at the same time, and both finish', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const first = await interop.openTab();
	const second = await interop.openTab();
	// Both at the login form before either signs in: two flows pending at once, one per tab.
	await Promise.all([first.startLogin(), second.startLogin()]);
	// The user fills one form, then the other. (Submitting both at the same instant races inside
	// oidc-provider instead: its session cookie changes under the other tab's interaction, and it
	// answers "interaction session and authentication session mismatch" on its own page.)
	await first.signInAtServer('alice');
	await first.waitForState('signed-in');
	await second.signInAtServer('alice');

	expect(await first.loginOutcome()).toEqual({ok: true, returnTo: '/'});
	expect(await second.loginOutcome()).toEqual({ok: true, returnTo: '/'});
	expect(codeExchanges().map((record) => record.status)).toEqual([200, 200]);
	for (const tab of [first, second]) await tab.waitForState('signed-in');
	// The later login's session is the one both tabs hold.
	await until(
		async () => {
			const [a, b] = await Promise.all([first.fingerprint(), second.fingerprint()]);
			return a !== undefined && a === b;
		},
		5000,
		'both tabs to hold the same token',
	);
	expect(await first.callApi('ky')).toMatchObject({ok: true, status: 200});
});

test('going back to the callback URL (reload, back button, a shared link) never exchanges its code again', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tab = await interop.openTab();
	await tab.startLogin();
	const callbackRequest = tab.page.waitForRequest((request) => request.isNavigationRequest() && request.url().startsWith(demo.pageUrl) && request.url().includes('code='));
	await tab.signInAtServer();
	const callbackUrl = (await callbackRequest).url();
	await tab.waitForState('signed-in');
	// The address bar was cleaned, so a plain reload is no callback at all.
	await tab.page.reload();
	await tab.initialized();
	expect(await tab.loginOutcome()).toBeUndefined();
	// The reloaded tab has no access token yet and refreshes; let that finish before leaving the
	// page, or its rotated refresh token could be lost on the way back (the server would then see
	// the old one again as reuse: a case no client can prevent, see README "Multiple tabs").
	expect(await tab.tokenCall()).toBe('ok');

	await tab.page.goto(callbackUrl);
	await tab.initialized();
	expect(await tab.loginOutcome()).toEqual({ok: false, errorName: 'LoginError', code: 'unknown_flow'});
	expect(tab.page.url()).toBe(demo.pageUrl);
	// Still signed in (the stored session), and the code went to the server exactly once.
	await tab.waitForState('signed-in');
	expect(codeExchanges()).toHaveLength(1);
});

test('cancel on the consent page: the page gets a LoginError access_denied, and nobody is signed in', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tab = await interop.openTab();
	await tab.startLogin();
	await tab.page.fill('input[name="login"]', 'alice');
	await tab.page.fill('input[name="password"]', 'any password');
	await tab.page.click('button[type="submit"]');
	await tab.page.waitForSelector('input[name="prompt"][value="consent"]', {state: 'attached'});
	await tab.page.click('text=[ Cancel ]');
	await tab.page.waitForURL((url) => url.origin === demo.pageOrigin);
	await tab.initialized();
	expect(await tab.loginOutcome()).toEqual({ok: false, errorName: 'LoginError', code: 'access_denied'});
	expect(await tab.state()).toBe('signed-out');
	expect(codeExchanges()).toEqual([]);
	expect(tab.page.url()).toBe(demo.pageUrl);
});

test('login.logout() ends the session at the server: a following prompt=none login answers login_required', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tab = await interop.openTab();
	await tab.login();
	const silentLogin = async () => {
		// No page of the server's: it answers at once, by redirect, and the callback page removes
		// code and state from the URL at once. So mark this document and wait for a new one that
		// has started: the same in every engine, with no race against the URL.
		await tab.page.evaluate(() => {
			Object.assign(window, {leftForLogin: true});
			void window.tokenBatonDemo?.login.redirect({params: {prompt: 'none'}});
		});
		await tab.page.waitForFunction(() => !('leftForLogin' in window) && window.tokenBatonDemo?.initialized === true, null, {timeout: 15_000});
		return tab.loginOutcome();
	};

	// While the server session lives, prompt=none signs in without a page.
	expect(await silentLogin()).toEqual({ok: true, returnTo: '/'});
	await tab.waitForState('signed-in');

	await tab.page.click('#logout');
	await tab.page.waitForURL((url) => url.origin === demo.issuer);
	await tab.page.click('button[name="logout"][value="yes"]');
	await tab.page.waitForURL((url) => url.origin === demo.pageOrigin);
	await tab.initialized();
	expect(await tab.state()).toBe('signed-out');

	expect(await silentLogin()).toEqual({ok: false, errorName: 'LoginError', code: 'login_required'});
	expect(await tab.state()).toBe('signed-out');
	expect(codeExchanges()).toHaveLength(2);
});
