import {delay, HttpResponse} from 'msw';
import {createStore, get} from 'idb-keyval';
import {describe, expect, test, vi} from 'vitest';
import {InvalidResponseError, OAuthError, SignedOutError, TransientRefreshError} from '../../src/index.js';
import {advance, settle, useFakeClock} from '../helpers/clock.js';
import {makeManager, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const storedRecord = () => get('session', createStore('token-baton:default', 'session'));
/** What an ended session leaves in IndexedDB: the reason, and no token of any kind. */
const endedNote = (reason: string) => ({format: 'token-baton/1', name: 'default', sid: expect.any(String), n: -1, refreshExpiresAt: null, ended: reason});

/** A signed-in manager whose access token expires in `expiresIn` seconds (refresh at about half). */
async function signedIn(expiresIn = 600, options = {}) {
	const auth = makeManager({refreshLeewaySeconds: 60, ...options});
	await auth.setTokens(server().login({expires_in: expiresIn}));
	return auth;
}

describe('terminal refresh errors end the session everywhere', () => {
	test.each([
		['invalid_grant', 400],
		['invalid_client', 401],
		['unauthorized_client', 400],
		['unsupported_grant_type', 400],
		['invalid_scope', 400],
	])('%s (HTTP %i): signed out with the error code as the reason, storage cleared', async (error, status) => {
		const auth = await signedIn(0);
		const signedOut = record(auth, 'signed-out');
		server().respondNext(() => HttpResponse.json({error, error_description: 'no'}, {status}));
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		expect(signedOut).toEqual([{reason: error}]);
		expect(auth.state).toBe('signed-out');
		expect(await storedRecord()).toEqual(endedNote(error));
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a custom refresh function ends the session by throwing OAuthError', async () => {
		const refresh = vi.fn(async () => {
			throw new OAuthError('invalid_grant');
		});
		const auth = makeManager({tokenEndpoint: undefined, clientId: undefined, revocationEndpoint: undefined, refresh});
		await auth.setTokens({access_token: 'a', refresh_token: 'r', expires_in: 0});
		const signedOut = record(auth, 'signed-out');
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		expect(refresh).toHaveBeenCalledWith('r', {signal: expect.any(AbortSignal)});
		expect(signedOut).toEqual([{reason: 'invalid_grant'}]);
	});
});

describe('transient refresh errors keep the session', () => {
	test.each([
		['a 500', () => new HttpResponse('oops', {status: 500}), 'server'],
		['a 502 with HTML', () => new HttpResponse('<html>bad gateway</html>', {status: 502}), 'server'],
		['a 503', () => new HttpResponse(null, {status: 503}), 'server'],
		['a 429', () => new HttpResponse(null, {status: 429}), 'rate-limited'],
		['a network error', () => HttpResponse.error(), 'network'],
	])('%s: an error event, the old token while it is valid, then TransientRefreshError once expired', async (_label, respond, reason) => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		const auth = await signedIn(600);
		const errors = record(auth, 'error');
		for (let i = 0; i < 100; i++) server().respondNext(respond);
		// Refresh due at 600 − 60 s.
		await advance(540_000);
		await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), {timeout: 5000});
		expect(errors[0]?.error).toBeInstanceOf(TransientRefreshError);
		expect(errors[0]?.error).toMatchObject({code: 'ERR_REFRESH_TRANSIENT', reason});
		expect(auth.state).toBe('signed-in');
		await expect(auth.getAccessToken()).resolves.toBe('at-1');
		expect(await storedRecord()).toBeDefined();

		// Past expiry, with every retry failing too: now the caller gets the transient error.
		await advance(60_000);
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(TransientRefreshError);
		expect(auth.state).toBe('signed-in');
		expect(await storedRecord()).toBeDefined();
	});

	test('a request that never answers times out as a transient error', async () => {
		useFakeClock();
		const auth = await signedIn(0, {requestTimeoutSeconds: 5});
		server().respondNext(async () => {
			await delay('infinite');
			return HttpResponse.json({});
		});
		const errors = record(auth, 'error');
		const pending = auth.getAccessToken().catch((error: unknown) => error);
		// Only once the request is out is its timeout running; on a loaded machine that takes more than one settle().
		while (server().refreshCalls.length === 0) await settle(1);
		await advance(5000);
		const error = await pending;
		expect(error).toBeInstanceOf(TransientRefreshError);
		expect(error).toMatchObject({reason: 'timeout'});
		expect(errors).toHaveLength(1);
		expect(auth.state).toBe('signed-in');
	});

	test('backoff grows exponentially with full jitter, capped at a minute, and no retry comes early', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0.999);
		const auth = await signedIn(0);
		const delays: number[] = [];
		const retryTimes: number[] = [];
		auth.on('error', ({error}) => {
			const {retryAt} = error as TransientRefreshError;
			delays.push(retryAt! - Date.now());
			retryTimes.push(retryAt!);
		});
		const callTimes: number[] = [];
		for (let i = 0; i < 10; i++) {
			server().respondNext(() => {
				callTimes.push(Date.now());
				return new HttpResponse(null, {status: 503});
			});
		}

		await auth.getAccessToken().catch(() => {});
		while (delays.length < 8) await advance(1000);
		// Upper bounds of the full-jitter ranges, as Math.random() ≈ 1 here: 2, 4, 8, 16, 32, 60, 60, 60 s.
		expect(delays.map((delay) => Math.round(delay / 1000))).toEqual([2, 4, 8, 16, 32, 60, 60, 60]);
		for (let i = 1; i < callTimes.length; i++) expect(callTimes[i]).toBeGreaterThanOrEqual(retryTimes[i - 1]!);
	});

	test('full jitter: a low draw retries sooner, but never sooner than 500 ms', async () => {
		useFakeClock();
		const random = vi.spyOn(Math, 'random').mockReturnValue(0.25);
		const auth = await signedIn(0);
		const delays: number[] = [];
		auth.on('error', ({error}) => delays.push((error as TransientRefreshError).retryAt! - Date.now()));
		server().respondNext(() => HttpResponse.error());
		await auth.getAccessToken().catch(() => {});
		expect(delays).toEqual([500]);
		random.mockReturnValue(0.5);
		server().respondNext(() => HttpResponse.error());
		await advance(500);
		await vi.waitFor(() => expect(delays).toEqual([500, 2000]), {timeout: 5000});
	});

	test('no attempt before Retry-After has passed, even when the browser comes back online', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		const auth = await signedIn(0);
		server().respondNext(() => new HttpResponse(null, {status: 429, headers: {'retry-after': '120'}}));
		await expect(auth.getAccessToken()).rejects.toMatchObject({reason: 'rate-limited', retryAt: Date.now() + 120_000});
		window.dispatchEvent(new Event('online'));
		await advance(119_000);
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(TransientRefreshError);
		expect(server().refreshCalls).toHaveLength(1);
		await advance(1000);
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(2), {timeout: 5000});
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
	});

	test('Retry-After as an HTTP date on a 503', async () => {
		useFakeClock();
		const auth = await signedIn(0);
		const retryAt = new Date(Date.now() + 30_000).toUTCString();
		server().respondNext(() => new HttpResponse(null, {status: 503, headers: {'retry-after': retryAt}}));
		await expect(auth.getAccessToken()).rejects.toMatchObject({reason: 'server'});
		await advance(29_000);
		expect(server().refreshCalls).toHaveLength(1);
		await advance(1000);
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(2), {timeout: 5000});
	});

	test('coming back online retries at once instead of waiting out the backoff', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0.999);
		const auth = await signedIn(0);
		server().respondNext(() => HttpResponse.error(), () => HttpResponse.error());
		await auth.getAccessToken().catch(() => {});
		await advance(2000);
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(2), {timeout: 5000});
		// The next backoff is up to 4 s; the network returns after 1 s.
		await advance(1000);
		window.dispatchEvent(new Event('online'));
		await settle();
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(3), {timeout: 5000});
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
	});
});

describe('malformed token responses change nothing stored', () => {
	test.each([
		['HTML with status 200', () => new HttpResponse('<!doctype html><p>login', {status: 200, headers: {'content-type': 'text/html'}})],
		['truncated JSON', () => new HttpResponse('{"access_token": "x", "expi', {status: 200})],
		['JSON without access_token', () => HttpResponse.json({token_type: 'Bearer', refresh_token: 'rt-evil'})],
		['mistyped fields', () => HttpResponse.json({access_token: 5, refresh_token: {}})],
		['a 2 MB body', () => new HttpResponse(`{"access_token":"${'a'.repeat(2 * 1024 * 1024)}"}`, {status: 200})],
		['a 404 page', () => new HttpResponse('<html>Not found</html>', {status: 404})],
		['a __proto__ payload', () => new HttpResponse('{"__proto__":{"access_token":"evil","refresh_token":"evil"}}', {status: 200})],
	])('%s: InvalidResponseError, same stored record, session kept', async (_label, respond) => {
		const auth = await signedIn(0);
		const before = await storedRecord();
		const errors = record(auth, 'error');
		server().respondNext(respond);
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(InvalidResponseError);
		expect(errors[0]?.error.code).toBe('ERR_INVALID_RESPONSE');
		expect(await storedRecord()).toEqual(before);
		expect(auth.state).toBe('signed-in');
	});

	test('a custom refresh function returning garbage is a malformed response', async () => {
		const auth = makeManager({tokenEndpoint: undefined, clientId: undefined, revocationEndpoint: undefined, refresh: async () => 'nope'});
		await auth.setTokens({access_token: 'a', refresh_token: 'r', expires_in: 0});
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(InvalidResponseError);
		expect(auth.state).toBe('signed-in');
	});

	test('a custom refresh function signals a passing failure with TransientRefreshError', async () => {
		const auth = makeManager({tokenEndpoint: undefined, clientId: undefined, revocationEndpoint: undefined, refresh: async () => {
			throw new TransientRefreshError('network', 'offline');
		}});
		await auth.setTokens({access_token: 'a', refresh_token: 'r', expires_in: 0});
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT', reason: 'network', retryAt: expect.any(Number)});
		expect(auth.state).toBe('signed-in');
	});

	test('anything else a custom refresh function throws is reported as it is (RefreshFailedError, with the cause), not as a network error', async () => {
		const thrown = new TypeError('Failed to fetch');
		const auth = makeManager({tokenEndpoint: undefined, clientId: undefined, revocationEndpoint: undefined, refresh: async () => {
			throw thrown;
		}});
		await auth.setTokens({access_token: 'a', refresh_token: 'r', expires_in: 0});
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_REFRESH_FAILED', cause: thrown});
		expect(auth.state).toBe('signed-in');
	});
});

describe('single flight', () => {
	test('50 concurrent getAccessToken() calls make exactly one refresh request', async () => {
		const auth = await signedIn(0);
		const tokens = await Promise.all(Array.from({length: 50}, () => auth.getAccessToken()));
		expect(new Set(tokens)).toEqual(new Set(['at-2']));
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('concurrent calls right after a reload share the first refresh too', async () => {
		const first = await signedIn(600);
		first.destroy();
		const reloaded = makeManager();
		const tokens = await Promise.all(Array.from({length: 50}, () => reloaded.getAccessToken()));
		expect(new Set(tokens)).toEqual(new Set(['at-2']));
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a rejected token is replaced once, however many callers report it', async () => {
		const auth = await signedIn(600);
		const tokens = await Promise.all(Array.from({length: 20}, () => auth.getAccessToken({rejectedToken: 'at-1'})));
		expect(new Set(tokens)).toEqual(new Set(['at-2']));
		expect(server().refreshCalls).toHaveLength(1);
		// A report about a token that is no longer current costs nothing.
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).resolves.toBe('at-2');
		expect(server().refreshCalls).toHaveLength(1);
	});
});
