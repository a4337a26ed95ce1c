import {describe, expect, test} from 'vitest';
import {InvalidResponseError, SignedOutError} from '../../src/index.js';
import {makeManager, next, record} from '../helpers/managers.js';
import {settle} from '../helpers/clock.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();

describe('a session in one tab', () => {
	test('starts signed out when nothing is stored, and getAccessToken rejects with SignedOutError', async () => {
		const auth = makeManager();
		expect(auth.state).toBe('loading');
		await auth.ready;
		expect(auth.state).toBe('signed-out');
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('setTokens signs in and hands out the access token without a request', async () => {
		const auth = makeManager();
		const signedIn = record(auth, 'signed-in');
		await auth.setTokens(server().login());
		expect(auth.state).toBe('signed-in');
		expect(signedIn).toEqual([{source: 'login'}]);
		await expect(auth.getAccessToken()).resolves.toBe('at-1');
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('a malformed login response is rejected and changes nothing', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		await expect(auth.setTokens({token_type: 'Bearer'})).rejects.toBeInstanceOf(InvalidResponseError);
		await expect(auth.setTokens('<html>')).rejects.toBeInstanceOf(InvalidResponseError);
		await expect(auth.getAccessToken()).resolves.toBe('at-1');

		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-in');
	});

	test('a reload restores the session and fetches the first access token with the stored refresh token', async () => {
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();

		const reloaded = makeManager();
		const restored = record(reloaded, 'signed-in');
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-in');
		expect(restored).toEqual([{source: 'restore'}]);
		await expect(reloaded.getAccessToken()).resolves.toBe('at-2');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1']);
	});

	test('the refresh request is the RFC 6749 §6 form post with client_id and refreshParams', async () => {
		const first = makeManager({refreshParams: {scope: 'openid offline_access'}});
		await first.setTokens(server().login());
		first.destroy();
		const reloaded = makeManager({refreshParams: {scope: 'openid offline_access'}});
		await reloaded.getAccessToken();

		const [call] = server().refreshCalls;
		expect(call?.contentType).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(call!.params)).toEqual({
			grant_type: 'refresh_token',
			refresh_token: 'rt-1',
			client_id: 'test-spa',
			scope: 'openid offline_access',
		});
	});

	test('a rotated refresh token replaces the stored one before the new access token is handed out', async () => {
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();

		const second = makeManager();
		const token = await second.getAccessToken();
		expect(token).toBe('at-2');
		second.destroy();

		// The next reload must use rt-2: rt-1 was consumed and would revoke the family.
		const third = makeManager();
		await expect(third.getAccessToken()).resolves.toBe('at-3');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1', 'rt-2']);
		expect(server().reuses).toEqual([]);
	});

	test('without rotation the stored refresh token is kept', async () => {
		server().rotate = false;
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();

		const second = makeManager();
		await expect(second.getAccessToken()).resolves.toBe('at-2');
		second.destroy();
		const third = makeManager();
		await expect(third.getAccessToken()).resolves.toBe('at-3');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1', 'rt-1']);
	});

	test('a login without a refresh token works until the access token expires, and stores nothing', async () => {
		const auth = makeManager();
		await auth.setTokens({access_token: 'only-access', token_type: 'bearer', expires_in: 3600});
		await expect(auth.getAccessToken()).resolves.toBe('only-access');

		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
	});

	test('session info shows expiry and schedule but never the access token', async () => {
		const auth = makeManager();
		const before = Date.now();
		await auth.setTokens(server().login());
		const info = auth.session!;
		expect(info.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
		expect(info.refreshAt).toBeLessThan(info.expiresAt!);
		expect(JSON.stringify(info)).not.toContain('at-1');
	});

	test('the token event announces every new access token', async () => {
		const auth = makeManager();
		const tokenEvent = next(auth, 'token');
		await auth.setTokens(server().login());
		await expect(tokenEvent).resolves.toMatchObject({source: 'login'});
	});
});

describe('getAccessToken with a signal', () => {
	test('stops waiting when the signal aborts, while the refresh it joined goes on for the others', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		server().respondNext(async (call) => {
			await held;
			return server().refreshWith(call);
		});
		const controller = new AbortController();
		const waiting = auth.getAccessToken({signal: controller.signal});
		const other = auth.getAccessToken();
		controller.abort(new DOMException('the user left', 'AbortError'));
		await expect(waiting).rejects.toMatchObject({name: 'AbortError', message: 'the user left'});
		release();
		await expect(other).resolves.toBe('at-2');
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('an already aborted signal rejects at once and starts nothing', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		await expect(auth.getAccessToken({signal: AbortSignal.abort()})).rejects.toMatchObject({name: 'AbortError'});
		await settle();
		expect(server().refreshCalls).toHaveLength(0);
	});
});
