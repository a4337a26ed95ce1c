import {HttpResponse} from 'msw';
import {describe, expect, test} from 'vitest';
import {advance, settle, useFakeClock} from '../helpers/clock.js';
import {makeManager, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();

describe('the state event', () => {
	test('loading → signed-out when ready finds nothing stored', async () => {
		const auth = makeManager();
		const states = record(auth, 'state');
		const sessions = record(auth, 'session');
		expect(auth.state).toBe('loading');
		await auth.ready;
		expect(states).toEqual([{state: 'signed-out'}]);
		// Nothing to show before or after: no session event.
		expect(sessions).toEqual([]);
	});

	test('loading → signed-in when a stored session is restored, with the session already readable', async () => {
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();
		const reloaded = makeManager();
		const seen: Array<[string, boolean]> = [];
		reloaded.on('state', ({state}) => seen.push([state, reloaded.session !== undefined]));
		await reloaded.ready;
		expect(seen).toEqual([['signed-in', true]]);
	});

	test('a login and a logout, here and in another tab, each change the state once in both tabs', async () => {
		const a = makeManager();
		const b = makeManager();
		await Promise.all([a.ready, b.ready]);
		const statesA = record(a, 'state');
		const statesB = record(b, 'state');
		await a.setTokens(server().login());
		await expect.poll(() => b.state).toBe('signed-in');
		await b.logout();
		await expect.poll(() => a.state).toBe('signed-out');
		await settle();
		expect(statesA).toEqual([{state: 'signed-in'}, {state: 'signed-out'}]);
		expect(statesB).toEqual([{state: 'signed-in'}, {state: 'signed-out'}]);
	});

	test('a second login over a session emits no state event (the state did not change)', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const states = record(auth, 'state');
		await auth.setTokens(server().login());
		expect(states).toEqual([]);
	});
});

describe('auth.session: the same object until what it shows changes', () => {
	test('a login, a refresh and a logout each give a new object and a session event', async () => {
		useFakeClock();
		const auth = makeManager();
		const sessions = record(auth, 'session');
		await auth.setTokens(server().login({expires_in: 3600}));
		const afterLogin = auth.session;
		expect(sessions).toEqual([{session: afterLogin}]);
		await advance(3600_000);
		await expect.poll(() => auth.session?.expiresAt).toBeGreaterThan(afterLogin!.expiresAt!);
		const afterRefresh = auth.session;
		expect(afterRefresh).not.toBe(afterLogin);
		await auth.logout();
		expect(auth.session).toBeUndefined();
		expect(sessions.map((event) => event.session)).toEqual([afterLogin, afterRefresh, undefined]);
		expect(sessions[1]!.session).toBe(afterRefresh);
	});

	test('a token an API refused, with the refresh failing, keeps the object and emits nothing', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 3600}));
		const before = auth.session;
		const sessions = record(auth, 'session');
		server().respondNext(() => new HttpResponse(null, {status: 503}));
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT'});
		expect(auth.session).toBe(before);
		expect(sessions).toEqual([]);
	});

	test('the refresh-token expiry warning keeps the object and emits no session event', async () => {
		useFakeClock();
		const auth = makeManager({refreshTokenWarningSeconds: 120});
		server().rotate = false;
		await auth.setTokens(server().login({expires_in: 3600, refresh_expires_in: 1800}));
		const before = auth.session;
		const sessions = record(auth, 'session');
		const warnings = record(auth, 'warning');
		await advance(1681_000);
		expect(warnings.map((warning) => warning.code)).toEqual(['refresh-token-expiring']);
		expect(auth.session).toBe(before);
		expect(sessions).toEqual([]);
	});
});
