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
