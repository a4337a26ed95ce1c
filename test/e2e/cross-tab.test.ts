/**
 * Cross-tab coordination in a real browser (issue 3; Chromium, Firefox and WebKit, one vitest
 * project each): several pages of one browser profile play the tabs of one user, against a
 * strict token server that rotates refresh tokens,
 * revokes the whole family on reuse and answers slowly so that races really overlap.
 * See test/e2e/README.md.
 */
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {TabGroup, type Tab, type TabGroupOptions} from './harness/browser.js';
import {buildBrowserBundle, type BrowserBundle} from './harness/bundle.js';
import {currentEngine, delay, launchEngine, type Engine} from './harness/engine.js';
import type {HostileMessage, PageOptions, RecordedEvent, TokenOutcome} from './harness/page.js';
import {CLIENT_ID, TokenServer, type ServerSettings, type TokenResponseJson} from './harness/token-server.js';

const NAME = 'e2e';
const LOCK_NAME = `token-baton:${NAME}:refresh`;
const CHANNEL_NAME = `token-baton:${NAME}`;
const MAIN = 'main';

let bundle: BrowserBundle;
let server: TokenServer;
let engine: Engine;
let group: TabGroup | undefined;

beforeAll(async () => {
	// Built once for the whole run: every page of every test loads the same bundle.
	bundle = await buildBrowserBundle();
	server = await TokenServer.start(bundle);
	engine = await launchEngine();
});

afterAll(async () => {
	await engine?.close();
	await server?.close();
});

afterEach(async () => {
	const errors = await group?.pageErrors() ?? [];
	await group?.close();
	group = undefined;
	// An uncaught error or unhandled rejection in any tab fails the test that caused it.
	expect(errors).toEqual([]);
});

/** A fresh profile (empty IndexedDB, no locks, no channels) and a fresh server state. */
async function newGroup(settings: Partial<ServerSettings> = {}, options: TabGroupOptions = {}): Promise<TabGroup> {
	server.reset(settings);
	group = await TabGroup.create(engine, server.pageUrl, options);
	return group;
}

type SignInSetup = {
	/** Server settings for this test. */
	server?: Partial<ServerSettings>;
	/** Manager options in every tab (name is always NAME). */
	manager?: PageOptions;
	tabs?: TabGroupOptions;
	/** `expires_in` of the login's access token only (refreshed tokens get the server's). */
	loginExpiresIn?: number;
};

/** Open `count` tabs with a manager each, log in in the first; the others join over the channel. */
async function signedInTabs(count: number, setup: SignInSetup = {}): Promise<{tabs: Tab[]; login: TokenResponseJson}> {
	const g = await newGroup(setup.server, setup.tabs);
	const tabs = await g.openMany(count);
	for (const tab of tabs) await tab.call('create', MAIN, {...setup.manager, name: NAME});
	for (const tab of tabs) expect(await tab.call('ready', MAIN)).toBe('signed-out');
	const login = server.login(setup.loginExpiresIn === undefined ? {} : {expiresIn: setup.loginExpiresIn});
	await tabs[0]!.call('setTokens', MAIN, login);
	for (const tab of tabs.slice(1)) {
		const event = await tab.call('waitForEvent', MAIN, 'signed-in', 0, 5000);
		expect(event.source).toBe('tab');
	}

	for (const tab of tabs) expect(await tab.call('state', MAIN)).toBe('signed-in');
	return {tabs, login};
}

function tokenOf(outcome: TokenOutcome): string {
	if (!outcome.ok) throw new Error(`getAccessToken failed: ${outcome.name} (${outcome.code ?? 'no code'}): ${outcome.message}`);
	return outcome.token;
}

async function eventCount(tab: Tab, id = MAIN): Promise<number> {
	return (await tab.call('events', id)).length;
}

async function eventsSince(tab: Tab, fromIndex: number, id = MAIN): Promise<RecordedEvent[]> {
	return (await tab.call('events', id)).slice(fromIndex);
}

/** Every tab is signed out the way the app sees it: state, and getAccessToken rejects SignedOutError. */
async function expectSignedOut(tab: Tab, id = MAIN): Promise<void> {
	expect(await tab.call('state', id)).toBe('signed-out');
	const outcome = await tab.call('getAccessToken', id);
	expect(outcome).toMatchObject({ok: false, name: 'SignedOutError', code: 'ERR_SIGNED_OUT'});
}

/** A new tab of the same profile: what a reload would find in storage. */
async function freshTabState(id = MAIN, options: PageOptions = {name: NAME}): Promise<string> {
	const tab = await group!.open();
	await tab.call('create', id, options);
	return tab.call('ready', id);
}

const LOCK_MODES = [
	{label: 'with Web Locks', withoutWebLocks: false},
	{label: 'with navigator.locks removed (IndexedDB lease lock)', withoutWebLocks: true},
] as const;

describe('one refresh for all tabs', () => {
	for (const mode of LOCK_MODES) {
		test(`4 tabs x 10 concurrent calls on an expired access token make exactly 1 refresh request, ${mode.label}`, async () => {
			const {tabs, login} = await signedInTabs(4, {loginExpiresIn: 1, tabs: {withoutWebLocks: mode.withoutWebLocks}});
			for (const tab of tabs) expect(await tab.call('hasWebLocks')).toBe(!mode.withoutWebLocks);

			// Wait (bounded) until the access token has expired on the shared clock.
			const expiresAt = (await tabs[0]!.call('session', MAIN))?.expiresAt;
			expect(expiresAt).toBeTypeOf('number');
			await tabs[0]!.waitFor((at) => Date.now() >= at, expiresAt!, {interval: 10, timeout: 5000});
			expect(server.refreshes).toHaveLength(0);

			// In every tab at once: 5 getAccessToken() and 5 auth.fetch('/api').
			const results = await Promise.all(tabs.map((tab) => tab.call('burst', MAIN, {tokens: 5, fetches: 5})));

			expect(server.refreshes).toHaveLength(1);
			expect(server.refreshes[0]).toMatchObject({refreshToken: login.refresh_token, outcome: 'rotated'});
			expect(server.presentations(login.refresh_token)).toBe(1);
			expect(server.reuses).toEqual([]);
			const tokens = results.flatMap((result) => result.tokens.map(tokenOf));
			expect(tokens).toHaveLength(20);
			// Every call in every tab got the one new access token.
			expect(new Set(tokens).size).toBe(1);
			expect(tokens[0]).not.toBe(login.access_token);
			expect(server.accessTokenValid(tokens[0]!)).toBe(true);
			const fetches = results.flatMap((result) => result.fetches);
			expect(fetches).toHaveLength(20);
			expect(fetches.every((outcome) => outcome.ok && outcome.status === 200)).toBe(true);
			// The expired token was never sent: no request met a 401.
			expect(server.apiStatuses.filter((status) => status === 401)).toEqual([]);
			for (const tab of tabs) expect(await tab.call('state', MAIN)).toBe('signed-in');
			// The fallback is really in use (its lazily loaded chunk was fetched) only without Web Locks.
			expect(server.bundleRequests.includes(bundle.leaseLockChunk)).toBe(mode.withoutWebLocks);
		});
	}
});

const WITHOUT_BROADCAST_CHANNEL = [
	{label: 'localStorage working', throwingLocalStorage: false},
	{label: 'localStorage throwing on every call (as in some privacy modes)', throwingLocalStorage: true},
] as const;

/** What broadcast-channel keeps on disk for the tab channel (its IndexedDB method): JSON of every record. */
async function fallbackRecords(tab: Tab): Promise<string> {
	return tab.evaluate(async (name) => new Promise<string>((resolve, reject) => {
		const open = indexedDB.open(`pubkey.broadcast-channel-0-${name}`);
		open.onerror = () => reject(open.error);
		open.onsuccess = () => {
			const request = open.result.transaction('messages').objectStore('messages').getAll();
			request.onerror = () => reject(request.error);
			request.onsuccess = () => {
				open.result.close();
				resolve(JSON.stringify(request.result));
			};
		};
	}), CHANNEL_NAME);
}

describe('without a native BroadcastChannel (the broadcast-channel fallback)', () => {
	for (const mode of WITHOUT_BROADCAST_CHANNEL) {
		test(`logins and logouts reach every tab, each tab refreshes in turn without reuse, and no token is written to storage, ${mode.label}`, async () => {
			const {tabs, login} = await signedInTabs(3, {loginExpiresIn: 1, tabs: {withoutBroadcastChannel: true, throwingLocalStorage: mode.throwingLocalStorage}});
			for (const tab of tabs) {
				expect(await tab.evaluate(() => typeof globalThis.BroadcastChannel)).toBe('undefined');
				const write = await tab.evaluate(() => {
					try {
						localStorage.setItem('probe', '1');
						localStorage.removeItem('probe');
						return 'written';
					} catch (error) {
						return (error as Error).name;
					}
				});
				expect(write).toBe(mode.throwingLocalStorage ? 'SecurityError' : 'written');
			}

			const expiresAt = (await tabs[0]!.call('session', MAIN))?.expiresAt;
			await tabs[0]!.waitFor((at) => Date.now() >= at, expiresAt!, {interval: 10, timeout: 5000});

			// Tokens cannot travel over storage: a tab without one takes the lock and finds (in
			// IndexedDB) the refresh token the previous tab rotated, so tabs refresh one after another.
			const results = await Promise.all(tabs.map((tab) => tab.call('burst', MAIN, {tokens: 3, fetches: 2})));
			const tokens = results.flatMap((result) => result.tokens.map(tokenOf));
			expect(tokens.every((token) => server.accessTokenValid(token))).toBe(true);
			expect(results.flatMap((result) => result.fetches).every((outcome) => outcome.ok && outcome.status === 200)).toBe(true);
			expect(server.refreshes.length).toBeGreaterThanOrEqual(1);
			expect(server.refreshes.length).toBeLessThanOrEqual(3);
			expect(server.refreshes.every((record) => record.outcome === 'rotated')).toBe(true);
			// Every refresh presented a different refresh token, once: none was reused.
			const presented = server.refreshes.map((record) => record.refreshToken);
			expect(new Set(presented).size).toBe(presented.length);
			expect(presented[0]).toBe(login.refresh_token);
			expect(server.reuses).toEqual([]);

			// A logout in one tab reaches the others.
			await tabs[0]!.call('logout', MAIN);
			for (const tab of tabs.slice(1)) {
				await expect.poll(async () => tab.call('state', MAIN), {timeout: 5000}).toBe('signed-out');
				await expectSignedOut(tab);
			}

			// And a new login in another tab reaches them all again.
			const again = server.login();
			const marks = await Promise.all(tabs.map((tab) => eventCount(tab)));
			await tabs[1]!.call('setTokens', MAIN, again);
			for (const [index, tab] of tabs.entries()) {
				if (tab === tabs[1]) continue;
				const event = await tab.call('waitForEvent', MAIN, 'signed-in', marks[index]!, 5000);
				expect(event.source).toBe('tab');
				expect(await tab.call('fetch', MAIN, '/api')).toMatchObject({ok: true, status: 200});
			}

			expect(server.reuses).toEqual([]);

			// The notices went over IndexedDB (broadcast-channel's choice here), never a token.
			const secrets = [login.access_token, login.refresh_token, again.access_token, again.refresh_token, ...tokens, ...server.refreshes.map((record) => record.refreshToken)];
			const records = await fallbackRecords(tabs[0]!);
			expect(records).toContain('"type":"tokens"');
			expect(records).toContain('"type":"signed-out"');
			for (const secret of secrets) expect(records.includes(secret)).toBe(false);
			// The transport's IndexedDB probe never leaves a database behind.
			expect(await tabs[0]!.call('databases')).not.toContain(`${CHANNEL_NAME}:probe`);
			expect(await tabs[0]!.call('databases')).toContain(`pubkey.broadcast-channel-0-${CHANNEL_NAME}`);
			for (const tab of tabs) {
				// Nothing at all went to localStorage (where it works; where it throws, nothing can).
				if (!mode.throwingLocalStorage) {
					const writes = await tab.evaluate(() => (globalThis as unknown as {__localStorageWrites: string[]}).__localStorageWrites);
					expect(writes.filter((write) => write !== 'probe=1')).toEqual([]);
				}
			}

			expect(server.bundleRequests.some((file) => file.startsWith('fallback-channel-'))).toBe(true);
		});
	}
});

describe('proactive refresh', () => {
	test('3 tabs over 3 cycles: one refresh request per cycle, no request meets a 401, no reuse', async () => {
		// 7 s tokens, 2 s leeway: every tab schedules its own refresh about 5 s after each token.
		const {tabs, login} = await signedInTabs(3, {server: {expiresIn: 7}, manager: {refreshLeewaySeconds: 2}});
		for (const tab of tabs) await tab.call('startPump', MAIN, '/api', 250);

		await server.waitForRefreshes(3, 30_000);
		// Let the third refresh's result reach every tab: a token event for the login and one per refresh.
		for (const tab of tabs) {
			await expect.poll(async () => (await tab.call('events', MAIN)).filter((event) => event.name === 'token').length, {timeout: 5000})
				.toBe(4);
		}

		const pumped = await Promise.all(tabs.map((tab) => tab.call('stopPump', MAIN)));

		expect(server.refreshes).toHaveLength(3);
		expect(server.refreshes.every((record) => record.outcome === 'rotated')).toBe(true);
		// Each refresh presented a different (the then current) refresh token, once.
		const presented = server.refreshes.map((record) => record.refreshToken);
		expect(new Set(presented).size).toBe(3);
		expect(presented[0]).toBe(login.refresh_token);
		expect(server.reuses).toEqual([]);
		// One per cycle: consecutive refreshes are a token lifetime minus the leeway apart, not milliseconds.
		const times = server.refreshes.map((record) => record.at);
		for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(4000);
		// The API never saw an expired or superseded token, and every call the app made succeeded.
		expect(server.apiStatuses.filter((status) => status === 401)).toEqual([]);
		for (const outcomes of pumped) {
			expect(outcomes.length).toBeGreaterThan(30);
			expect(outcomes.filter((outcome) => !outcome.ok || outcome.status !== 200)).toEqual([]);
		}

		for (const tab of tabs) expect(await tab.call('state', MAIN)).toBe('signed-in');
	});
});

describe('a newly opened tab', () => {
	test('makes 0 refresh requests while another tab holds a valid token, and gets that token', async () => {
		const g = await newGroup();
		const first = await g.open();
		await first.call('create', MAIN, {name: NAME});
		await first.call('ready', MAIN);
		const login = server.login();
		await first.call('setTokens', MAIN, login);

		const opened = await g.open();
		await opened.call('create', MAIN, {name: NAME});
		expect(await opened.call('ready', MAIN)).toBe('signed-in');
		const outcome = await opened.call('getAccessToken', MAIN);
		expect(tokenOf(outcome)).toBe(login.access_token);
		const tokenEvent = await opened.call('waitForEvent', MAIN, 'token', 0, 2000);
		expect(tokenEvent.source).toBe('tab');
		expect(await opened.call('fetch', MAIN, '/api')).toMatchObject({ok: true, status: 200});

		expect(server.refreshes).toHaveLength(0);
		expect(server.reuses).toEqual([]);
	});
});

describe('logout', () => {
	test('in one tab signs every tab out within 100 ms and revokes the refresh token at the server', async () => {
		const {tabs, login} = await signedInTabs(4);
		// Rotate once first, so the token to revoke is not the login's.
		const refreshed = tokenOf(await tabs[1]!.call('getAccessToken', MAIN, login.access_token));
		for (const tab of tabs) {
			await expect.poll(async () => tokenOf(await tab.call('getAccessToken', MAIN)), {timeout: 2000}).toBe(refreshed);
		}

		const current = server.latestRefreshToken(login.refresh_token)!;
		expect(current).not.toBe(login.refresh_token);
		const marks = await Promise.all(tabs.map((tab) => eventCount(tab)));
		const apiCalls = server.apiStatuses.length;

		const {startedAt} = await tabs[2]!.call('logout', MAIN);

		for (const [index, tab] of tabs.entries()) {
			const event = await tab.call('waitForEvent', MAIN, 'signed-out', marks[index]!, 2000);
			expect(event.reason).toBe('logout');
			expect(event.at - startedAt).toBeLessThan(100);
			await expectSignedOut(tab);
			// A request to the API is refused unsent.
			expect(await tab.call('fetch', MAIN, '/api')).toMatchObject({ok: false, name: 'SignedOutError'});
		}

		expect(server.apiStatuses).toHaveLength(apiCalls);
		expect(server.revocations).toEqual([current]);
		expect(server.familyRevoked(current)).toBe(true);
		expect(server.accessTokenValid(refreshed)).toBe(false);
		expect(server.reuses).toEqual([]);
		// Storage was cleared too: a reload starts signed out.
		expect(await freshTabState()).toBe('signed-out');
	});

	test('wins over a refresh in flight in another tab: its result is dropped and cannot sign anyone back in', async () => {
		// Slow enough that the logout surely starts while the refresh is in flight, even in a loaded WebKit.
		const {tabs, login} = await signedInTabs(3, {server: {refreshDelayMs: 2500}});
		const marks = await Promise.all(tabs.map((tab) => eventCount(tab)));
		const inFlight = tabs[1]!.call('getAccessToken', MAIN, login.access_token);
		await server.waitForRefreshes(1);

		const {startedAt} = await tabs[0]!.call('logout', MAIN);
		const outcome = await inFlight;
		expect(outcome).toMatchObject({ok: false, name: 'SignedOutError'});
		// Wait out the server's answer to the abandoned refresh, then look again.
		await tabs[0]!.waitFor((at) => Date.now() >= at, startedAt + 2700, {interval: 50});
		for (const [index, tab] of tabs.entries()) {
			await expectSignedOut(tab);
			// Signed out once, and never back in: no new session, no new token (a warning is fine).
			const names = (await eventsSince(tab, marks[index]!)).map((event) => event.name);
			expect(names.filter((name) => name !== 'warning')).toEqual(['signed-out']);
		}

		expect(await freshTabState()).toBe('signed-out');
		expect(server.familyRevoked(login.refresh_token)).toBe(true);
		expect(server.reuses).toEqual([]);
	});
});

describe('a tab closed while its refresh is in flight', () => {
	for (const mode of LOCK_MODES) {
		test(`does not block the others: another tab then gets a token, ${mode.label}`, async () => {
			// The closed tab's answer is lost; a server grace window lets the next tab present the same token.
			const {tabs, login} = await signedInTabs(3, {
				server: {refreshDelayMs: 1500, reuseGraceMs: 30_000},
				manager: {lockTimeoutSeconds: 8},
				tabs: {withoutWebLocks: mode.withoutWebLocks},
			});
			const [closing, waiting, other] = tabs as [Tab, Tab, Tab];
			const abandoned = closing.call('getAccessToken', MAIN, login.access_token).catch(() => 'page closed');
			await server.waitForRefreshes(1);

			const waited = waiting.call('getAccessToken', MAIN, login.access_token);
			if (mode.withoutWebLocks) {
				// No lock to inspect: give the waiting tab time it would need to send a refresh of its own.
				await delay(300);
			} else {
				await expect.poll(() => waiting.call('lockState', LOCK_NAME), {timeout: 2000}).toEqual({held: 1, pending: 1});
			}

			// The waiting tab waits for the lock instead of sending the same refresh token.
			expect(server.refreshes).toHaveLength(1);
			const closedAt = Date.now();
			await closing.close();
			expect(await abandoned).toBe('page closed');

			const outcome = await waited;
			const token = tokenOf(outcome);
			expect(token).not.toBe(login.access_token);
			// Well before the 8 s lock timeout: the closed tab's lock was released.
			expect(outcome.at - closedAt).toBeLessThan(6000);
			expect(await waiting.call('fetch', MAIN, '/api')).toMatchObject({ok: true, status: 200});

			// The third tab adopts the result without a request of its own.
			await expect.poll(async () => tokenOf(await other.call('getAccessToken', MAIN)), {timeout: 2000}).toBe(token);
			expect(server.refreshes).toHaveLength(2);
			// The waiting tab sent its refresh only after the closed tab had let go of the lock.
			expect(server.refreshes[1]!.at).toBeGreaterThanOrEqual(closedAt);
			expect(server.graceReuses).toEqual([login.refresh_token]);
			expect(server.reuses).toEqual([]);
			for (const tab of [waiting, other]) expect(await tab.call('state', MAIN)).toBe('signed-in');
		});
	}
});

describe('a lock that is never granted', () => {
	test('makes getAccessToken reject with LockTimeoutError after lockTimeoutSeconds, and the next call works once it frees', async () => {
		const {tabs, login} = await signedInTabs(2, {manager: {lockTimeoutSeconds: 1}});
		const [app, hung] = tabs as [Tab, Tab];
		await hung.call('holdLock', LOCK_NAME);

		const failed = await app.call('getAccessToken', MAIN, login.access_token);
		expect(failed).toMatchObject({ok: false, name: 'LockTimeoutError', code: 'ERR_LOCK_TIMEOUT'});
		const waitedMs = failed.at - failed.startedAt;
		expect(waitedMs).toBeGreaterThanOrEqual(950);
		expect(waitedMs).toBeLessThan(3000);
		expect(await app.call('state', MAIN)).toBe('signed-in');
		expect(server.refreshes).toHaveLength(0);
		const errors = (await app.call('events', MAIN)).filter((event) => event.name === 'error');
		expect(errors.map((event) => event.errorCode)).toContain('ERR_LOCK_TIMEOUT');

		await hung.call('releaseLock', LOCK_NAME);
		const next = await app.call('getAccessToken', MAIN, login.access_token);
		const token = tokenOf(next);
		expect(token).not.toBe(login.access_token);
		expect(server.refreshes).toHaveLength(1);
		expect(server.reuses).toEqual([]);
		expect(await app.call('fetch', MAIN, '/api')).toMatchObject({ok: true, status: 200});
	});
});

describe('reuse detection', () => {
	test('a replayed refresh token revokes the family, and every tab is signed out with invalid_grant on the next refresh', async () => {
		const {tabs, login} = await signedInTabs(3);
		const rotated = tokenOf(await tabs[0]!.call('getAccessToken', MAIN, login.access_token));
		for (const tab of tabs) {
			await expect.poll(async () => tokenOf(await tab.call('getAccessToken', MAIN)), {timeout: 2000}).toBe(rotated);
		}

		const marks = await Promise.all(tabs.map((tab) => eventCount(tab)));
		// An attacker replays the refresh token it stole before the rotation.
		const replay = await fetch(`${server.origin}/oauth/token`, {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded'},
			body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: login.refresh_token, client_id: CLIENT_ID}),
		});
		expect(replay.status).toBe(400);
		expect(await replay.json()).toMatchObject({error: 'invalid_grant'});
		expect(server.reuses).toEqual([login.refresh_token]);
		const refreshesBefore = server.refreshes.length;

		// The app's next API call meets a 401 (the family is revoked), refreshes, and learns why.
		const response = await tabs[1]!.call('fetch', MAIN, '/api');
		expect(response).toMatchObject({ok: true, status: 401});

		for (const [index, tab] of tabs.entries()) {
			const event = await tab.call('waitForEvent', MAIN, 'signed-out', marks[index]!, 2000);
			expect(event.reason).toBe('invalid_grant');
			await expectSignedOut(tab);
		}

		// One tab found out; the client itself never presented a consumed token.
		expect(server.refreshes.slice(refreshesBefore).map((record) => record.outcome)).toEqual(['revoked']);
		expect(server.reuses).toEqual([login.refresh_token]);
		expect(await freshTabState()).toBe('signed-out');
	});
});

describe('hostile messages on the channel', () => {
	test('malformed, foreign and forged messages change nothing and throw nothing', async () => {
		const {tabs, login} = await signedInTabs(3);
		const intruder = await group!.open();
		for (const tab of tabs) await tab.call('watchChannel', CHANNEL_NAME);
		const marks = await Promise.all(tabs.map((tab) => eventCount(tab)));
		const prototypeKeys = await tabs[0]!.call('prototypeKeys');

		const later = Date.now() + 3_600_000;
		const env = {protocol: 'token-baton', v: 1, from: 'intruder'};
		const validTokens = {accessToken: 'forged-access', expiresAt: later, refreshToken: 'forged-refresh', refreshExpiresAt: undefined, scope: undefined, idToken: undefined};
		const messages: HostileMessage[] = [
			// Not objects at all.
			{raw: null}, {raw: undefined}, {raw: 0}, {raw: 'token-baton'}, {raw: true}, {raw: []},
			{raw: [{...env, type: 'signed-out', reason: 'logout'}]},
			{build: 'date'}, {build: 'map'}, {build: 'typed-array'}, {build: 'blob'}, {build: 'error'},
			// Another protocol or version, or no sender.
			{raw: {protocol: 'other', v: 1, from: 'intruder', type: 'signed-out', reason: 'logout'}},
			{raw: {...env, v: 2, type: 'signed-out', reason: 'logout'}},
			{raw: {...env, v: '1', type: 'signed-out', reason: 'logout'}},
			{raw: {protocol: 'token-baton', v: 1, type: 'signed-out', reason: 'logout'}},
			{raw: {...env, from: '', type: 'signed-out', reason: 'logout'}},
			{raw: {...env, from: 'f'.repeat(100_000), type: 'signed-out', reason: 'logout'}},
			{raw: {...env, type: 'launch-missiles'}},
			{raw: {...env, type: 'signed-out', reason: 42}},
			{raw: {...env, type: 'signed-out', reason: ''}},
			{raw: {...env, type: 'signed-out', reason: {toString: 'logout'}}},
			// Huge strings.
			{build: 'huge-reason'}, {build: 'huge-token'},
			// Broken generations and tokens in a login.
			{raw: {...env, type: 'tokens', login: true, gen: null, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: 'gen', tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: '', n: 0}, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: -1}, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 1.5}, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: Number.NaN}, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: Number.POSITIVE_INFINITY}, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: 'yes', gen: {sid: 's', n: 0}, tokens: validTokens}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: {...validTokens, accessToken: 'abc\r\nX-Injected: 1'}}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: {...validTokens, accessToken: 123}}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: {...validTokens, expiresAt: 'soon'}}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: {...validTokens, expiresAt: Number.POSITIVE_INFINITY}}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: {...validTokens, refreshToken: {}}}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: {...validTokens, idToken: ' '}}},
			{raw: {...env, type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens: 'tokens'}},
			{build: 'cyclic'},
			// Well-formed, but for a session that is not this one: forged refresh results and answers.
			{raw: {...env, type: 'tokens', login: false, gen: {sid: 'forged-sid', n: 99}, tokens: validTokens}},
			{raw: {...env, type: 'token-response', id: 'never-asked', gen: {sid: 'forged-sid', n: 99}, tokens: validTokens}},
			{raw: {...env, type: 'token-response', id: 'x'.repeat(1000), gen: {sid: 'forged-sid', n: 0}, tokens: validTokens}},
			{raw: {...env, type: 'token-request', id: 42}},
			// Prototype pollution attempts (JSON.parse keeps "__proto__" as an own key).
			{json: JSON.stringify({...env, type: 'tokens', gen: {sid: 'p', n: 1}}).replace('{', '{"__proto__":{"polluted":true,"login":false,"tokens":{"accessToken":"proto-access"}},')},
			{json: `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"protocol":"token-baton","v":1,"from":"intruder","type":"token-response","id":"p","gen":{"sid":"p","n":1,"__proto__":{"polluted":true}},"tokens":{"__proto__":{"accessToken":"proto-access"}}}`},
			{json: '{"__proto__":{"protocol":"token-baton","v":1,"from":"intruder","type":"signed-out","reason":"logout","polluted":true}}'},
			{json: `{"protocol":"token-baton","v":1,"from":"intruder","type":"__proto__","__proto__":{"polluted":true}}`},
			// Last: tells the watchers that everything before it was delivered.
			{raw: {sentinel: 'end'}},
		];
		expect(await intruder.call('post', CHANNEL_NAME, messages)).toBe(messages.length);

		for (const tab of tabs) {
			await expect.poll(() => tab.call('channelSentinels', CHANNEL_NAME), {timeout: 5000}).toEqual(['end']);
		}

		// Give anything a message might have started (a refresh, a storage read) time to show.
		await delay(300);
		for (const [index, tab] of tabs.entries()) {
			expect(await tab.call('state', MAIN)).toBe('signed-in');
			expect(tokenOf(await tab.call('getAccessToken', MAIN))).toBe(login.access_token);
			expect(await eventsSince(tab, marks[index]!)).toEqual([]);
			expect(await tab.call('prototypeKeys')).toEqual(prototypeKeys);
			expect(await tab.evaluate(() => 'polluted' in {})).toBe(false);
			expect(await tab.call('fetch', MAIN, '/api')).toMatchObject({ok: true, status: 200});
		}

		expect(server.refreshes).toHaveLength(0);
		expect(await freshTabState()).toBe('signed-in');
	});
});

describe('two managers with different names on one page', () => {
	test('never share a lock, a channel or a store', async () => {
		const g = await newGroup();
		const [a, b] = await g.openMany(2) as [Tab, Tab];
		for (const tab of [a, b]) {
			await tab.call('create', 'alpha', {name: 'alpha', lockTimeoutSeconds: 1});
			await tab.call('create', 'beta', {name: 'beta', lockTimeoutSeconds: 1});
			expect(await tab.call('ready', 'alpha')).toBe('signed-out');
			expect(await tab.call('ready', 'beta')).toBe('signed-out');
		}

		const alphaLogin = server.login();
		const betaLogin = server.login();
		await a.call('setTokens', 'alpha', alphaLogin);
		await a.call('setTokens', 'beta', betaLogin);
		await b.call('waitForEvent', 'alpha', 'signed-in', 0, 2000);
		await b.call('waitForEvent', 'beta', 'signed-in', 0, 2000);
		// Channels: each name's login reached only the same name.
		expect(tokenOf(await b.call('getAccessToken', 'alpha'))).toBe(alphaLogin.access_token);
		expect(tokenOf(await b.call('getAccessToken', 'beta'))).toBe(betaLogin.access_token);
		expect((await b.call('events', 'alpha')).filter((event) => event.name === 'signed-in')).toHaveLength(1);
		expect((await b.call('events', 'beta')).filter((event) => event.name === 'signed-in')).toHaveLength(1);

		// Locks: alpha's lock held forever blocks alpha only.
		await b.call('holdLock', 'token-baton:alpha:refresh');
		expect(await a.call('getAccessToken', 'alpha', alphaLogin.access_token)).toMatchObject({ok: false, code: 'ERR_LOCK_TIMEOUT'});
		const betaRefreshed = tokenOf(await a.call('getAccessToken', 'beta', betaLogin.access_token));
		expect(betaRefreshed).not.toBe(betaLogin.access_token);
		expect(server.refreshes.map((record) => record.refreshToken)).toEqual([betaLogin.refresh_token]);
		await b.call('releaseLock', 'token-baton:alpha:refresh');

		// Logout of alpha leaves beta signed in, in both tabs.
		const betaMarks = [await eventCount(a, 'beta'), await eventCount(b, 'beta')];
		const alphaMarkB = await eventCount(b, 'alpha');
		await a.call('logout', 'alpha');
		expect((await b.call('waitForEvent', 'alpha', 'signed-out', alphaMarkB, 2000)).reason).toBe('logout');
		await expectSignedOut(a, 'alpha');
		await expectSignedOut(b, 'alpha');
		await expect.poll(async () => tokenOf(await b.call('getAccessToken', 'beta')), {timeout: 2000}).toBe(betaRefreshed);
		for (const [index, tab] of [a, b].entries()) {
			expect(await tab.call('state', 'beta')).toBe('signed-in');
			expect((await eventsSince(tab, betaMarks[index]!, 'beta')).filter((event) => event.name === 'signed-out')).toEqual([]);
			expect(await tab.call('fetch', 'beta', '/api')).toMatchObject({ok: true, status: 200});
		}

		expect(server.revocations).toEqual([alphaLogin.refresh_token]);
		expect(server.familyRevoked(betaLogin.refresh_token)).toBe(false);

		// Stores: a reload finds beta's session and not alpha's, in two separate databases.
		const reloaded = await g.open();
		await reloaded.call('create', 'alpha', {name: 'alpha'});
		await reloaded.call('create', 'beta', {name: 'beta'});
		expect(await reloaded.call('ready', 'alpha')).toBe('signed-out');
		expect(await reloaded.call('ready', 'beta')).toBe('signed-in');
		expect(await reloaded.call('databases')).toEqual(expect.arrayContaining(['token-baton:alpha', 'token-baton:beta']));
		expect(server.reuses).toEqual([]);
	});
});
