/**
 * The manager loads its token endpoint client with import(): to read a stored session, and
 * at the first login or refresh of a tab. A chunk can fail to load: the app went offline,
 * or a deploy removed the old chunk files while a tab was open. Here every load fails while
 * `chunkMissing` is true.
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

/** A stored session (unencrypted, so that no token client is needed to write it) with the server's login refresh token. */
async function storeSession(): Promise<string> {
	const refreshToken = String(server().login().refresh_token);
	await set('session', {format: 'token-baton/1', name: 'default', sid: 's1', n: 0, refreshExpiresAt: null, refreshToken}, sessions());
	return refreshToken;
}

async function createManager() {
	const {createTokenManager} = await import('../../src/index.js');
	return createTokenManager({tokenEndpoint: TOKEN_URL, clientId: CLIENT_ID, encryptStorage: false});
}

test('a refresh whose code fails to load is a transient error: nothing sent, session and storage kept, retried once it loads', async () => {
	useFakeClock();
	vi.spyOn(Math, 'random').mockReturnValue(0);
	const refreshToken = await storeSession();
	const auth = await createManager();
	await auth.ready;
	// Signed in by another tab's login, which brings the tokens: this tab never loaded the client.
	const channel = new BroadcastChannel('token-baton:default');
	channel.postMessage({protocol: 'token-baton', v: 1, from: 'other-tab', type: 'tokens', login: true, gen: {sid: 's1', n: 0}, tokens: {accessToken: 'at-1', expiresAt: Date.now(), refreshToken}});
	await vi.waitFor(() => expect(auth.state).toBe('signed-in'));
	channel.close();
	const before = await get('session', sessions());

	await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT', reason: 'network'});
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

test('a restore whose code fails to load starts signed out with a warning, and leaves the stored session for the next load', async () => {
	await storeSession();
	const auth = await createManager();
	const warnings: Array<{code: string; error?: {cause?: unknown}}> = [];
	auth.on('warning', (warning) => warnings.push(warning));
	await auth.ready;
	expect(auth.state).toBe('signed-out');
	expect(warnings).toEqual([expect.objectContaining({code: 'storage-unavailable', error: expect.objectContaining({code: 'ERR_STORAGE', cause: expect.any(Error)})})]);
	expect(await get('session', sessions())).toMatchObject({sid: 's1'});
	auth.destroy();

	chunkMissing = false;
	const reloaded = await createManager();
	await reloaded.ready;
	expect(reloaded.state).toBe('signed-in');
	reloaded.destroy();
});

test('a login whose code fails to load rejects and changes nothing', async () => {
	const auth = await createManager();
	await auth.ready;
	await expect(auth.setTokens(server().login())).rejects.toThrow();
	expect(auth.state).toBe('signed-out');
	expect(await get('session', sessions())).toBeUndefined();
	auth.destroy();
});
