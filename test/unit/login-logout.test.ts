import {http, HttpResponse} from 'msw';
import {beforeEach, describe, expect, test} from 'vitest';
import {captureNavigation, makeLogin, makeOidcManager, setPageUrl} from '../helpers/login.js';
import {next} from '../helpers/managers.js';
import {APP_ORIGIN, OP, OP_CLIENT, useOidcServer} from '../helpers/oidc-server.js';
import {mswServer} from '../helpers/token-server.js';

const server = useOidcServer();

beforeEach(() => {
	sessionStorage.clear();
	setPageUrl(`${APP_ORIGIN}/orders`);
});

/** Two tabs, signed in through the login in the first. */
async function signedInTabs() {
	const tab = makeOidcManager();
	const other = makeOidcManager();
	await Promise.all([tab.ready, other.ready]);
	const login = makeLogin(tab);
	const navigations = captureNavigation();
	await login.redirect();
	const otherSignedIn = next(other, 'signed-in');
	await login.handleCallback(server().authorize(navigations[0] ?? ''));
	await otherSignedIn;
	navigations.length = 0;
	return {tab, other, login, navigations};
}

describe('logout', () => {
	test('signs every tab out and revokes, then ends the session at the server\'s end_session_endpoint', async () => {
		const {tab, other, login, navigations} = await signedInTabs();
		const idToken = tab.session?.idToken ?? 'missing';
		const otherSignedOut = next(other, 'signed-out');
		await login.logout({postLogoutRedirectUri: `${APP_ORIGIN}/goodbye`});
		expect(tab.state).toBe('signed-out');
		await expect(otherSignedOut).resolves.toEqual({reason: 'logout'});
		expect(server().revocations.map((params) => params.get('token'))).toEqual(['rt-1']);

		expect(navigations).toHaveLength(1);
		const url = new URL(navigations[0] ?? '');
		expect(url.origin + url.pathname).toBe(`${OP}/logout`);
		expect(Object.fromEntries(url.searchParams)).toEqual({client_id: OP_CLIENT, post_logout_redirect_uri: `${APP_ORIGIN}/goodbye`});
		// The ID token never goes into a URL (no id_token_hint).
		expect(url.href).not.toContain(idToken);
	});

	test('without an end-session endpoint: the local logout, then postLogoutRedirectUri if given', async () => {
		delete server().metadata.end_session_endpoint;
		const {tab, login, navigations} = await signedInTabs();
		await login.logout({postLogoutRedirectUri: `${APP_ORIGIN}/goodbye`});
		expect(tab.state).toBe('signed-out');
		expect(navigations).toEqual([`${APP_ORIGIN}/goodbye`]);
		navigations.length = 0;
		await login.logout();
		expect(navigations).toEqual([]);
	});

	test('metadata that cannot be loaded does not keep anyone signed in: discovery_failed after the local logout', async () => {
		const {tab, other} = await signedInTabs();
		const login = makeLogin(tab);
		mswServer.use(http.get(`${OP}/.well-known/openid-configuration`, () => HttpResponse.error()));
		const navigations = captureNavigation();
		const otherSignedOut = next(other, 'signed-out');
		await expect(login.logout()).rejects.toMatchObject({name: 'LoginError', code: 'discovery_failed'});
		expect(tab.state).toBe('signed-out');
		await otherSignedOut;
		expect(navigations).toEqual([]);
	});

	test('a postLogoutRedirectUri that is not an absolute URL is refused before anything happens', async () => {
		const {tab, login, navigations} = await signedInTabs();
		await expect(login.logout({postLogoutRedirectUri: '/goodbye'})).rejects.toMatchObject({name: 'InvalidOptionError', option: 'postLogoutRedirectUri'});
		expect(tab.state).toBe('signed-in');
		expect(navigations).toEqual([]);
	});
});
