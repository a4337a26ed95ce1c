import {describe, expect, test, vi} from 'vitest';
import {makeManager, record} from '../helpers/managers.js';
import {advance, settle, sleepMachine, useFakeClock} from '../helpers/clock.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();

/** Waits (on real time) until the server has seen `count` refresh requests, and checks it stays there. */
async function expectRefreshes(count: number): Promise<void> {
	await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(count), {timeout: 5000});
	await settle();
	expect(server().refreshCalls).toHaveLength(count);
}

describe('proactive refresh', () => {
	test('fires at expiry minus leeway minus jitter, not before', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0.5);
		const auth = makeManager({refreshLeewaySeconds: 60});
		await auth.setTokens(server().login({expires_in: 3600}));
		// Jitter is half of 10% of the leeway here: 3 s. Refresh at 3600 − 60 − 3 = 3537 s.
		await advance(3536_000);
		expect(server().refreshCalls).toHaveLength(0);
		await advance(2000);
		await expectRefreshes(1);
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
	});

	test('jitter spreads clients over up to 10% of the leeway', async () => {
		useFakeClock();
		const random = vi.spyOn(Math, 'random').mockReturnValue(0);
		const early = makeManager({name: 'early', refreshLeewaySeconds: 100});
		await early.setTokens(server().login({expires_in: 1000}));
		random.mockReturnValue(0.999);
		const late = makeManager({name: 'late', refreshLeewaySeconds: 100});
		await late.setTokens(server().login({expires_in: 1000}));
		// Refresh times: 900 s for jitter 0, just after 890 s for the largest jitter.
		expect(late.session!.refreshAt! - Date.now()).toBeGreaterThan(889_900);
		expect(late.session!.refreshAt! - Date.now()).toBeLessThan(890_100);
		expect(early.session!.refreshAt! - Date.now()).toBe(900_000);
		await advance(891_000);
		await expectRefreshes(1);
		await advance(10_000);
		await expectRefreshes(2);
	});

	test('keeps refreshing, one request per token lifetime', async () => {
		useFakeClock();
		const auth = makeManager({refreshLeewaySeconds: 10});
		const tokens = record(auth, 'token');
		server().expiresIn = 300;
		await auth.setTokens(server().login());
		for (let cycle = 1; cycle <= 5; cycle++) {
			await advance(300_000);
			// The token event comes after the rotated refresh token is written: the cycle is complete.
			await vi.waitFor(() => expect(tokens).toHaveLength(cycle + 1), {timeout: 5000});
			await expectRefreshes(cycle);
		}

		expect(tokens.map((event) => event.source)).toEqual(['login', 'refresh', 'refresh', 'refresh', 'refresh', 'refresh']);
		expect(server().reuses).toEqual([]);
	});

	test('a leeway longer than the token lifetime is capped at half the lifetime', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		const auth = makeManager({refreshLeewaySeconds: 60});
		await auth.setTokens(server().login({expires_in: 30}));
		await advance(14_000);
		expect(server().refreshCalls).toHaveLength(0);
		await advance(1000);
		await expectRefreshes(1);
	});

	test('a 30-day expires_in does not fire at once (setTimeout cannot hold more than 24.8 days)', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		const auth = makeManager({refreshLeewaySeconds: 60});
		await auth.setTokens(server().login({expires_in: 30 * 86_400}));
		await advance(1000);
		expect(server().refreshCalls).toHaveLength(0);
		await advance(25 * 86_400_000);
		expect(server().refreshCalls).toHaveLength(0);
		await advance(5 * 86_400_000);
		await expectRefreshes(1);
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
	});

	test('an unknown expiry never refreshes on its own', async () => {
		useFakeClock();
		const auth = makeManager();
		await auth.setTokens({access_token: 'opaque', token_type: 'Bearer', refresh_token: 'rt-x'});
		await advance(400 * 86_400_000);
		expect(server().refreshCalls).toHaveLength(0);
		await expect(auth.getAccessToken()).resolves.toBe('opaque');
	});

	test('a token expired on arrival (expires_in: 0) is refreshed when asked for, without a refresh loop', async () => {
		useFakeClock();
		server().expiresIn = 0;
		const auth = makeManager();
		await auth.setTokens(server().login());
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
		await advance(60_000);
		// At most one refresh per 5 s however short the server makes the tokens.
		expect(server().refreshCalls.length).toBeLessThanOrEqual(13);
	});
});

describe('wake-up after sleep or throttling', () => {
	test.each([
		['visibilitychange', () => document.dispatchEvent(new Event('visibilitychange'))],
		['focus', () => window.dispatchEvent(new Event('focus'))],
		['pageshow', () => window.dispatchEvent(new Event('pageshow'))],
		['online', () => window.dispatchEvent(new Event('online'))],
	])('%s after the clock jumped past the refresh time refreshes at once', async (_label, wake) => {
		useFakeClock();
		const auth = makeManager({refreshLeewaySeconds: 60});
		await auth.setTokens(server().login({expires_in: 3600}));
		sleepMachine(2 * 3600_000);
		await settle();
		expect(server().refreshCalls).toHaveLength(0);
		wake();
		await settle();
		await expectRefreshes(1);
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
	});

	test('a wake-up before the refresh time does nothing', async () => {
		useFakeClock();
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 3600}));
		sleepMachine(600_000);
		window.dispatchEvent(new Event('focus'));
		await settle();
		expect(server().refreshCalls).toHaveLength(0);
	});
});

describe('refresh-token lifetime', () => {
	test('refresh_expires_in: a warning before it, the session ends at it', async () => {
		useFakeClock();
		const auth = makeManager({refreshTokenWarningSeconds: 120});
		const warnings = record(auth, 'warning');
		const signedOut = record(auth, 'signed-out');
		server().rotate = false;
		await auth.setTokens(server().login({expires_in: 3600, refresh_expires_in: 1800}));
		await advance(1679_000);
		expect(warnings).toEqual([]);
		await advance(2000);
		expect(warnings).toEqual([expect.objectContaining({code: 'refresh-token-expiring', expiresAt: expect.any(Number)})]);
		await advance(120_000);
		expect(signedOut).toEqual([{reason: 'refresh-token-expired'}]);
		expect(auth.state).toBe('signed-out');
	});

	test('the refreshTokenLifetimeSeconds option does the same for servers that do not say', async () => {
		useFakeClock();
		const auth = makeManager({refreshTokenLifetimeSeconds: 600, refreshTokenWarningSeconds: 60});
		const warnings = record(auth, 'warning');
		const signedOut = record(auth, 'signed-out');
		await auth.setTokens(server().login({expires_in: 3600}));
		await advance(541_000);
		expect(warnings.map((warning) => warning.code)).toEqual(['refresh-token-expiring']);
		await advance(60_000);
		expect(signedOut).toEqual([{reason: 'refresh-token-expired'}]);
	});

	test('a stored session whose refresh token has expired is not restored', async () => {
		useFakeClock();
		const first = makeManager();
		await first.setTokens(server().login({refresh_expires_in: 60}));
		first.destroy();
		sleepMachine(61_000);
		const reloaded = makeManager();
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
		expect(server().refreshCalls).toHaveLength(0);
	});
});
