import {createStore, get} from 'idb-keyval';
import {delay, http, HttpResponse} from 'msw';
import {describe, expect, test, vi} from 'vitest';
import {SignedOutError} from '../../src/index.js';
import {settle} from '../helpers/clock.js';
import {makeManager, next, record} from '../helpers/managers.js';
import {mswServer, REVOKE_URL, useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const storedRecord = () => get('session', createStore('token-baton:default', 'session'));
/** What an ended session leaves in IndexedDB: the reason, and no token of any kind. */
const endedNote = (reason: string) => ({format: 'token-baton/1', name: 'default', sid: expect.any(String), n: -1, refreshExpiresAt: null, ended: reason});

describe('logout', () => {
	test('clears memory and storage, emits signed-out, then revokes the refresh token (RFC 7009)', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const signedOut = record(auth, 'signed-out');
		await auth.logout();
		expect(auth.state).toBe('signed-out');
		expect(signedOut).toEqual([{reason: 'logout'}]);
		expect(await storedRecord()).toEqual(endedNote('logout'));
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		expect(server().revocations.map((params) => Object.fromEntries(params))).toEqual([
			{token: 'rt-1', token_type_hint: 'refresh_token', client_id: 'test-spa'},
		]);
		expect(server().isValid('rt-1')).toBe(false);

		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
	});

	test('revokes the newest refresh token, even one another tab rotated into storage', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		await auth.getAccessToken();
		await auth.logout();
		expect(server().revocations.map((params) => params.get('token'))).toEqual(['rt-2']);
	});

	test('a failed revocation is a warning and never keeps the session', async () => {
		mswServer.use(http.post(REVOKE_URL, () => HttpResponse.error()));
		const auth = makeManager();
		await auth.setTokens(server().login());
		const warnings = record(auth, 'warning');
		await auth.logout();
		expect(auth.state).toBe('signed-out');
		expect(warnings.map((warning) => warning.code)).toEqual(['revocation-failed']);
		expect(await storedRecord()).toEqual(endedNote('logout'));
	});

	test('without a revocationEndpoint nothing is revoked', async () => {
		const auth = makeManager({revocationEndpoint: undefined});
		await auth.setTokens(server().login());
		await auth.logout();
		expect(server().revocations).toHaveLength(0);
		expect(auth.state).toBe('signed-out');
	});

	test('logging out while signed out is harmless and silent', async () => {
		const auth = makeManager();
		const signedOut = record(auth, 'signed-out');
		await auth.logout();
		expect(signedOut).toEqual([]);
		expect(auth.state).toBe('signed-out');
	});

	test('a logout during a refresh wins: the refresh result is dropped, and its new refresh token revoked', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		server().respondNext(async () => {
			await held;
			return HttpResponse.json({access_token: 'late-access', token_type: 'Bearer', expires_in: 3600, refresh_token: 'late-refresh'});
		});
		const pending = auth.getAccessToken().catch((error: unknown) => error);
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(1));
		await auth.logout();
		// The caller is released at once, not when the server finally answers.
		expect(await pending).toBeInstanceOf(SignedOutError);
		release();
		await settle();
		expect(auth.state).toBe('signed-out');
		expect(await storedRecord()).toEqual(endedNote('logout'));
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		await expect.poll(() => server().revocations.map((params) => params.get('token'))).toEqual(['rt-1', 'late-refresh']);
	});

	test('a login after a logout starts a new session', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		await auth.logout();
		const signedIn = next(auth, 'signed-in');
		await auth.setTokens(server().login());
		await expect(signedIn).resolves.toEqual({source: 'login'});
		await expect(auth.getAccessToken()).resolves.toMatch(/^at-/);
	});

	test('a slow revocation does not delay the sign-out', async () => {
		mswServer.use(http.post(REVOKE_URL, async () => {
			await delay(200);
			return new HttpResponse(null, {status: 200});
		}));
		const auth = makeManager();
		await auth.setTokens(server().login());
		const signedOut = next(auth, 'signed-out');
		const logout = auth.logout();
		await signedOut;
		expect(auth.state).toBe('signed-out');
		await logout;
	});
});

describe('events and destroy', () => {
	test('a listener that throws does not stop the others or the manager', async () => {
		const auth = makeManager();
		auth.on('signed-in', () => {
			throw new Error('app bug');
		});
		const seen = record(auth, 'signed-in');
		await auth.setTokens(server().login());
		expect(seen).toEqual([{source: 'login'}]);
		await expect(auth.getAccessToken()).resolves.toBe('at-1');
	});

	test('on() returns a function that unsubscribes', async () => {
		const auth = makeManager();
		const events: string[] = [];
		const off = auth.on('signed-in', () => events.push('signed-in'));
		off();
		await auth.setTokens(server().login());
		expect(events).toEqual([]);
	});

	test('destroy stops timers, wake-up listeners and events', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		const tokens = record(auth, 'token');
		auth.destroy();
		window.dispatchEvent(new Event('focus'));
		window.dispatchEvent(new Event('online'));
		await settle();
		expect(server().refreshCalls).toHaveLength(0);
		expect(tokens).toEqual([]);
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
	});
});
