// @vitest-environment node
import {beforeEach, expect, test, vi} from 'vitest';

beforeEach(() => {
	// The shared setup file installs fake-indexeddb globally; a server has none.
	vi.stubGlobal('indexedDB', undefined);
});

test('importing in Node (SSR: no window, document, navigator or indexedDB) does not throw', async () => {
	expect(typeof window).toBe('undefined');
	expect(typeof navigator).toBe('undefined');
	const module = await import('../../src/index.js');
	expect(typeof module.createTokenManager).toBe('function');
});

test('a manager created during SSR settles signed out and does not crash', async () => {
	const {createTokenManager} = await import('../../src/index.js');
	const auth = createTokenManager({refresh: async () => ({access_token: 'a'})});
	await auth.ready;
	expect(auth.state).toBe('signed-out');
	auth.destroy();
});

test('token-baton/login during SSR: importable, a login can be created, and handleCallback() has no page to read', async () => {
	const {createTokenManager} = await import('../../src/index.js');
	const {createLogin} = await import('../../src/login.js');
	const auth = createTokenManager({refresh: async () => ({access_token: 'a'})});
	const login = createLogin(auth, {issuer: 'https://auth.example.com', clientId: 'my-spa', redirectUri: 'https://app.example.com/callback'});
	await expect(login.handleCallback()).resolves.toBeUndefined();
	auth.destroy();
});
