/**
 * The manager loads its token endpoint client with import(), at the first login or refresh
 * of a tab. A chunk can fail to load: the app went offline, or a deploy removed the old
 * chunk files while a tab was open. Here every load fails while `chunkMissing` is true.
 */
import {createStore, get, set} from 'idb-keyval';
import {beforeEach, expect, test, vi} from 'vitest';
import {advance, useFakeClock} from '../helpers/clock.js';
import {CLIENT_ID, TOKEN_URL, useTokenServer} from '../helpers/token-server.js';

let chunkMissing = true;

const server = useTokenServer();
const sessions = () => createStore('token-baton:default', 'session');

beforeEach(() => {
	chunkMissing = true;
	// The unit setup already loaded the real module: each test starts from an empty module
	// registry, so that the manager's import() goes through this mock.
	vi.resetModules();
	vi.doMock('../../src/refresh/token-client.js', async (importOriginal) => {
		if (chunkMissing) throw new TypeError('Failed to fetch dynamically imported module');
		return importOriginal();
	});
});

/** A manager restored from a stored session (unencrypted, so no token client is needed to write it). */
async function restoredManager() {
	const refreshToken = server().login().refresh_token;
	await set('session', {format: 'token-baton/1', name: 'default', sid: 's1', n: 0, refreshExpiresAt: null, refreshToken}, sessions());
	const {createTokenManager} = await import('../../src/index.js');
	const auth = createTokenManager({tokenEndpoint: TOKEN_URL, clientId: CLIENT_ID, encryptStorage: false});
	await auth.ready;
	expect(auth.state).toBe('signed-in');
	return auth;
}

test('a refresh whose code fails to load is a transient error: nothing sent, session and storage kept, retried once it loads', async () => {
	useFakeClock();
	vi.spyOn(Math, 'random').mockReturnValue(0);
	const auth = await restoredManager();
	const before = await get('session', sessions());
	const pending = auth.getAccessToken().catch((error: unknown) => error);
	// A restored tab first asks the other tabs (100 ms).
	await advance(100);
	expect(await pending).toMatchObject({code: 'ERR_REFRESH_TRANSIENT', reason: 'network'});
	expect(server().refreshCalls).toHaveLength(0);
	expect(auth.state).toBe('signed-in');
	expect(await get('session', sessions())).toEqual(before);

	// The chunk can be loaded again: the backoff's retry (500 ms at the lowest jitter) refreshes.
	chunkMissing = false;
	await advance(500);
	await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(1), {timeout: 5000});
	await expect(auth.getAccessToken()).resolves.toBe('at-2');
	auth.destroy();
});

test('a login whose code fails to load rejects and changes nothing', async () => {
	const {createTokenManager} = await import('../../src/index.js');
	const auth = createTokenManager({tokenEndpoint: TOKEN_URL, clientId: CLIENT_ID});
	await auth.ready;
	await expect(auth.setTokens(server().login())).rejects.toThrow();
	expect(auth.state).toBe('signed-out');
	expect(await get('session', sessions())).toBeUndefined();
	auth.destroy();
});
