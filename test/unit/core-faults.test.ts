// @vitest-environment-options {"url": "https://app.example.test/app/"}
/**
 * The faults issue 13 found by reading the core, one describe block each. Every test here
 * failed before its fix, except those marked "(guard)", which pin what already worked next
 * to a fix. They use the public API (and only what older versions had), so that they can run
 * against an older checkout.
 */
import {createStore, get} from 'idb-keyval';
import {http, HttpResponse} from 'msw';
import {describe, expect, test, vi} from 'vitest';
import {OAuthError, TokenBatonError} from '../../src/index.js';
import {API_ORIGIN, FOREIGN_ORIGINS, useApi} from '../helpers/api-server.js';
import {advance, settle, useFakeClock} from '../helpers/clock.js';
import {jwt} from '../helpers/jwt.js';
import {makeManager, record} from '../helpers/managers.js';
import {mswServer, REVOKE_URL, useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const api = useApi();
const storedRecord = async () => get('session', createStore('token-baton:default', 'session'));

/** Every `put` and (with `deletes`) every `delete` on the session store throws, as on a failing disk. */
function failWrites({deletes}: {deletes: boolean}): () => void {
	const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
		throw new DOMException('Quota exceeded', 'QuotaExceededError');
	});
	const del = deletes ? vi.spyOn(IDBObjectStore.prototype, 'delete').mockImplementation(() => {
		throw new DOMException('The disk failed', 'UnknownError');
	}) : undefined;
	return () => {
		put.mockRestore();
		del?.mockRestore();
	};
}

describe('1. a logged-out session never comes back on reload', () => {
	test('when the ended-session note cannot be written, the session is deleted anyway', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const restore = failWrites({deletes: false});
		await auth.logout();
		restore();
		expect(await storedRecord()).toBeUndefined();
		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
	});

	test('when IndexedDB takes no write at all: a warning with the cause, and still signed out after a reload', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const warnings = record(auth, 'warning');
		const restore = failWrites({deletes: true});
		await auth.logout();
		restore();
		expect(auth.state).toBe('signed-out');
		expect(warnings).toContainEqual(expect.objectContaining({code: 'storage-clear-failed', error: expect.objectContaining({code: 'ERR_STORAGE', cause: expect.any(DOMException)})}));
		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
		// Nothing of it is used again either: the next login starts afresh.
		await reloaded.setTokens(server().login());
		expect(reloaded.state).toBe('signed-in');
	});

	test('when the tab closes right after logout() was called', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		void auth.logout().catch(() => {});
		auth.destroy();
		await settle();
		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
	});

	test('when logout() comes while the stored session is still being restored', async () => {
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();
		const reloaded = makeManager();
		const signedIn = record(reloaded, 'signed-in');
		await reloaded.logout();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
		expect(signedIn).toEqual([]);
		expect(server().revocations.map((params) => params.get('token'))).toEqual(['rt-1']);
		const again = makeManager();
		await again.ready;
		expect(again.state).toBe('signed-out');
	});
});

describe('2. a bug is reported with its cause, not retried as a network error', () => {
	test('a refresh function that throws a TypeError: an error event with the cause, no retry on a timer, one more try per call', async () => {
		useFakeClock();
		let calls = 0;
		const auth = makeManager({
			tokenEndpoint: undefined,
			refresh: async () => {
				calls++;
				throw new TypeError('response.json is not a function');
			},
		});
		await auth.setTokens({access_token: 'at-1', refresh_token: 'rt-1', expires_in: 0});
		const errors = record(auth, 'error');
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_FAILED', cause: expect.any(TypeError)});
		expect(errors.map(({error}) => error.code)).toEqual(['ERR_REFRESH_FAILED']);
		await advance(10 * 60_000);
		expect(calls).toBe(1);
		expect(auth.state).toBe('signed-in');
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_FAILED'});
		expect(calls).toBe(2);
	});

	test('(guard) network failures are still transient and retried', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		server().respondNext(() => HttpResponse.error());
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT', reason: 'network'});
		await advance(500);
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(2));
	});
});

describe('3. auth.fetch decides the origin before it loads its code', () => {
	test('a request elsewhere goes out untouched even when auth.fetch\'s code cannot be loaded', async () => {
		vi.resetModules();
		vi.doMock('../../src/fetch/auth-fetch.js', async () => {
			throw new TypeError('Failed to fetch dynamically imported module');
		});
		const {createTokenManager} = await import('../../src/index.js');
		const auth = createTokenManager({tokenEndpoint: 'https://auth.example.test/oauth/token', clientId: 'test-spa', apiOrigins: [API_ORIGIN]});
		await auth.ready;
		const response = await auth.fetch(`${FOREIGN_ORIGINS.foreign}/data`);
		expect(response.status).toBe(200);
		expect(api().calls).toEqual([expect.objectContaining({origin: FOREIGN_ORIGINS.foreign, authorization: null})]);
		await expect(auth.fetch(`${API_ORIGIN}/me`)).rejects.toThrow();
		auth.destroy();
		vi.doUnmock('../../src/fetch/auth-fetch.js');
	});
});

describe('4. warnings carry their cause', () => {
	test('revocation-failed: the HTTP status', async () => {
		mswServer.use(http.post(REVOKE_URL, () => new HttpResponse('down', {status: 503})));
		const auth = makeManager();
		await auth.setTokens(server().login());
		const warnings = record(auth, 'warning');
		await auth.logout();
		expect(warnings).toEqual([expect.objectContaining({code: 'revocation-failed', error: expect.objectContaining({code: 'ERR_REVOCATION', status: 503})})]);
	});

	test('revocation-failed: the network error', async () => {
		mswServer.use(http.post(REVOKE_URL, () => HttpResponse.error()));
		const auth = makeManager();
		await auth.setTokens(server().login());
		const warnings = record(auth, 'warning');
		await auth.logout();
		expect(warnings).toEqual([expect.objectContaining({code: 'revocation-failed', error: expect.objectContaining({cause: expect.any(Error)})})]);
	});

	test('(guard) storage-unavailable: the error IndexedDB threw', async () => {
		vi.stubGlobal('indexedDB', {open: () => {
			throw new DOMException('The operation is insecure.', 'SecurityError');
		}});
		const auth = makeManager();
		const warnings = record(auth, 'warning');
		await auth.ready;
		expect(warnings).toEqual([expect.objectContaining({code: 'storage-unavailable', error: expect.objectContaining({code: 'ERR_STORAGE', cause: expect.objectContaining({name: 'SecurityError'})})})]);
	});
});

describe('5. two copies of the package (its ESM and CJS builds) still understand each other\'s errors', () => {
	test('an OAuthError from the other copy, thrown by a refresh function, ends the session', async () => {
		vi.resetModules();
		const other = await import('../../src/index.js');
		expect(other.OAuthError).not.toBe(OAuthError);
		const auth = makeManager({
			tokenEndpoint: undefined,
			refresh: async () => {
				throw new other.OAuthError('invalid_grant', {status: 400});
			},
		});
		await auth.setTokens({access_token: 'at-1', refresh_token: 'rt-1', expires_in: 0});
		const signedOut = record(auth, 'signed-out');
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_SIGNED_OUT'});
		expect(signedOut).toEqual([{reason: 'invalid_grant'}]);
		expect(new other.OAuthError('x')).toBeInstanceOf(TokenBatonError);
	});
});

describe('6. short-lived tokens are refreshed before they expire', () => {
	test('4 s JWTs in three tabs: every refresh comes before the token in use expires, none is refused', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0.5);
		server().expiresIn = undefined;
		let n = 0;
		// A JWT access token of 4 s, issued at the server's whole second, as node-oidc-provider does.
		server().respondNext(...Array.from({length: 20}, () => (call: Parameters<Parameters<ReturnType<typeof server>['respondNext']>[0]>[0]) => {
			const response = server().refreshWith(call);
			return response.json().then((body: Record<string, unknown>) => {
				const iat = Math.floor(Date.now() / 1000);
				return HttpResponse.json({...body, access_token: jwt({exp: iat + 4, iat, n: ++n})});
			});
		}));
		const tabs = [makeManager(), makeManager(), makeManager()];
		await Promise.all(tabs.map(async (tab) => tab.ready));
		const iat = Math.floor(Date.now() / 1000);
		await tabs[0]!.setTokens({...server().login(), access_token: jwt({exp: iat + 4, iat, n: 0})});
		await vi.waitFor(() => expect(tabs.map((tab) => tab.state)).toEqual(['signed-in', 'signed-in', 'signed-in']));
		const used: Array<{at: number; dies: number}> = [];
		for (let step = 0; step < 100; step++) {
			for (const tab of tabs) {
				const token = await tab.getAccessToken();
				const {exp} = JSON.parse(atob(token.split('.')[1]!)) as {exp: number};
				used.push({at: Date.now(), dies: exp * 1000});
			}

			await advance(100);
		}

		// 10 s of 4 s tokens: refreshed every 1.5 to 2 s, never a token handed out at or after its death.
		expect(server().refreshCalls.length).toBeGreaterThanOrEqual(4);
		expect(server().refreshCalls.length).toBeLessThanOrEqual(8);
		expect(used.filter(({at, dies}) => at >= dies)).toEqual([]);
		expect(server().reuses).toEqual([]);
	});
});

describe('7. a Retry-After holds every tab', () => {
	test('after one tab was told to wait, another tab sends nothing before the time is up', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		const a = makeManager();
		const b = makeManager();
		await a.setTokens(server().login({expires_in: 0}));
		await vi.waitFor(() => expect(b.state).toBe('signed-in'));
		server().respondNext(() => new HttpResponse(null, {status: 429, headers: {'retry-after': '120'}}));
		await expect(a.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT', status: 429});
		expect(server().refreshCalls).toHaveLength(1);
		await expect(b.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT'});
		await advance(60_000);
		expect(server().refreshCalls).toHaveLength(1);
		await advance(61_000);
		await vi.waitFor(async () => expect(await b.getAccessToken()).toMatch(/^at-/));
		expect(server().reuses).toEqual([]);
	});
});

describe('8. a refused token does not change the reported expiry', () => {
	test('session.expiresAt stays the token\'s real expiry after an API answered 401 and the refresh failed', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 3600}));
		const expiresAt = auth.session!.expiresAt;
		server().respondNext(() => new HttpResponse(null, {status: 503}));
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT'});
		expect(auth.session!.expiresAt).toBe(expiresAt);
		// Still refused: not handed out again while the retry waits.
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT'});
	});
});

describe('9. legal token responses are accepted', () => {
	test.each([
		['an empty scope (node-oidc-provider with a resource and only OpenID scopes)', {scope: ''}, {scope: ''}],
		['an empty id_token, read as none', {id_token: ''}, {idToken: undefined}],
		['(guard) a null scope', {scope: null}, {scope: undefined}],
	])('%s', async (_label, extra, expected) => {
		const auth = makeManager();
		await auth.setTokens({...server().login(), ...extra});
		expect(auth.state).toBe('signed-in');
		expect(auth.session).toMatchObject(expected);
	});

	test('an empty refresh_token is no rotation: the stored one is kept', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		server().respondNext(() => HttpResponse.json({access_token: 'at-x', token_type: 'Bearer', expires_in: 3600, refresh_token: ''}));
		await expect(auth.getAccessToken()).resolves.toBe('at-x');
		expect(await storedRecord()).toMatchObject({n: 1});
	});
});

describe('7b. a stored hold nobody could have written is ignored', () => {
	test('(guard) a hold a day ahead (hostile or corrupt) does not stop refreshing', async () => {
		const auth = makeManager({encryptStorage: false});
		await auth.setTokens(server().login({expires_in: 0}));
		const store = createStore('token-baton:default', 'session');
		const record = await get<Record<string, unknown>>('session', store);
		const {set} = await import('idb-keyval');
		await set('session', {...record, holdUntil: Date.now() + 86_400_000}, store);
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
	});
});
