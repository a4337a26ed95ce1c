import {createStore, get} from 'idb-keyval';
import {HttpResponse, delay} from 'msw';
import {describe, expect, test} from 'vitest';
import {LockTimeoutError, SignedOutError, type TokenManager} from '../../src/index.js';
import {loadTokenClient} from '../../src/refresh/load-token-client.js';
import {createIdbStore} from '../../src/storage/idb-store.js';
import {settle} from '../helpers/clock.js';
import {type FakeLockManager, installFakeWebLocks, removeWebLocks} from '../helpers/fake-web-locks.js';
import {makeManager, next, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
/** The store a tab of the default manager writes to (what another tab leaves behind). */
const idbStore = () => createIdbStore('default', true, loadTokenClient);

/** Several managers in one process share fake-indexeddb and BroadcastChannel, as tabs share them. */
async function openTabs(count: number, options = {}): Promise<TokenManager[]> {
	const tabs = Array.from({length: count}, () => makeManager(options));
	await Promise.all(tabs.map((tab) => tab.ready));
	return tabs;
}

/** Wait until every tab holds the same access token. */
async function allHold(tabs: TokenManager[], token: string): Promise<void> {
	await expect.poll(async () => Promise.all(tabs.map((tab) => tab.getAccessToken().catch(() => 'error')))).toEqual(tabs.map(() => token));
}

describe.each([
	['Web Locks', () => installFakeWebLocks()],
	['the IndexedDB lease fallback (no Web Locks)', () => removeWebLocks()],
])('tabs in step, with %s', (_label, setLocks) => {
	test('4 tabs × 10 concurrent calls on an expired token make exactly one refresh request', async () => {
		setLocks();
		const [first, ...others] = await openTabs(4);
		server().respondNext(async (call) => {
			await delay(300);
			return server().refreshWith(call);
		});
		await first!.setTokens(server().login({expires_in: 0}));
		await Promise.all(others.map((tab) => expect.poll(() => tab.state).toBe('signed-in')));
		const tabs = [first!, ...others];
		const tokens = await Promise.all(tabs.flatMap((tab) => Array.from({length: 10}, () => tab.getAccessToken())));
		expect(new Set(tokens)).toEqual(new Set(['at-2']));
		expect(server().refreshCalls).toHaveLength(1);
		expect(server().reuses).toEqual([]);
	});

	test('a login in one tab signs the open tabs in, without a request', async () => {
		setLocks();
		const [a, b, c] = await openTabs(3);
		const signedIn = next(b!, 'signed-in');
		await a!.setTokens(server().login());
		await expect(signedIn).resolves.toEqual({source: 'tab'});
		await allHold([a!, b!, c!], 'at-1');
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('logout in one tab signs every tab out and only one revocation is sent', async () => {
		setLocks();
		const [a, b, c] = await openTabs(3);
		await a!.setTokens(server().login());
		await allHold([a!, b!, c!], 'at-1');
		const outB = next(b!, 'signed-out');
		const outC = next(c!, 'signed-out');
		await a!.logout();
		await expect(outB).resolves.toEqual({reason: 'logout'});
		await expect(outC).resolves.toEqual({reason: 'logout'});
		for (const tab of [a!, b!, c!]) {
			expect(tab.state).toBe('signed-out');
			await expect(tab.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		}

		expect(server().revocations).toHaveLength(1);
	});

	test('a tab opened while another holds a valid token gets it without a refresh', async () => {
		setLocks();
		const [a] = await openTabs(1);
		await a!.setTokens(server().login());
		const late = makeManager();
		await expect(late.getAccessToken()).resolves.toBe('at-1');
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('invalid_grant in one tab signs every tab out with that reason', async () => {
		setLocks();
		const [a, b] = await openTabs(2);
		await a!.setTokens(server().login({expires_in: 0}));
		await expect.poll(() => b!.state).toBe('signed-in');
		const outB = next(b!, 'signed-out');
		server().respondNext(() => HttpResponse.json({error: 'invalid_grant'}, {status: 400}));
		await expect(a!.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		await expect(outB).resolves.toEqual({reason: 'invalid_grant'});
	});

	test('a refreshed token reaches the other tabs, which never spend the consumed refresh token', async () => {
		setLocks();
		const [a, b, c] = await openTabs(3);
		await a!.setTokens(server().login({expires_in: 0}));
		await expect.poll(() => c!.state).toBe('signed-in');
		await expect(a!.getAccessToken()).resolves.toBe('at-2');
		await allHold([a!, b!, c!], 'at-2');
		// Every tab asked again with at-2 rejected: one refresh, with rt-2, for all of them.
		const tokens = await Promise.all([a!, b!, c!].map((tab) => tab.getAccessToken({rejectedToken: 'at-2'})));
		expect(new Set(tokens)).toEqual(new Set(['at-3']));
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1', 'rt-2']);
		expect(server().reuses).toEqual([]);
	});
});

describe('the lock', () => {
	test('a lock that is never granted yields LockTimeoutError, not a hang, and recovery once it frees', async () => {
		const locks: FakeLockManager = installFakeWebLocks();
		const auth = makeManager({lockTimeoutSeconds: 0.2});
		await auth.setTokens(server().login({expires_in: 0}));
		const release = locks.hold('token-baton:default:refresh');
		const error = await auth.getAccessToken().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(LockTimeoutError);
		expect(error).toMatchObject({code: 'ERR_LOCK_TIMEOUT'});
		expect(server().refreshCalls).toHaveLength(0);
		expect(auth.state).toBe('signed-in');
		release();
		// The very next call works: a lock timeout sent no request, so there is nothing to back off from.
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('two managers with different names never share a lock, channel or session', async () => {
		const locks = installFakeWebLocks();
		const a = makeManager({name: 'a', lockTimeoutSeconds: 0.2});
		const b = makeManager({name: 'b'});
		await Promise.all([a.ready, b.ready]);
		await a.setTokens(server().login({expires_in: 0}));
		await settle();
		expect(b.state).toBe('signed-out');
		await b.setTokens(server().login({expires_in: 0}));
		const releaseA = locks.hold('token-baton:a:refresh');
		await expect(b.getAccessToken()).resolves.toMatch(/^at-/);
		await expect(a.getAccessToken()).rejects.toBeInstanceOf(LockTimeoutError);
		releaseA();
		await b.logout();
		await settle();
		expect(a.state).toBe('signed-in');
	});
});

describe('the channel', () => {
	test('malformed, forged and foreign messages change nothing and throw nothing', async () => {
		const [a, b] = await openTabs(2);
		await a!.setTokens(server().login());
		await allHold([a!, b!], 'at-1');
		const channel = new BroadcastChannel('token-baton:default');
		const hostile: unknown[] = [
			null, 42, 'tokens', [], {},
			{protocol: 'token-baton', v: 2, from: 'x', type: 'signed-out', reason: 'logout'},
			{protocol: 'other', v: 1, from: 'x', type: 'signed-out', reason: 'logout'},
			{protocol: 'token-baton', v: 1, type: 'signed-out', reason: 'logout'},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'signed-out', reason: 'x'.repeat(10_000)},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'tokens', login: false, gen: {sid: 'forged', n: 99}, tokens: {accessToken: 'evil'}},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'tokens', login: 'yes', gen: {sid: 'forged', n: 0}},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'tokens', login: false, gen: {sid: 'forged', n: -1}, tokens: {accessToken: 'evil', expiresAt: 1}},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'tokens', login: false, gen: {sid: 'forged', n: 1}, tokens: {accessToken: 'a b', expiresAt: 1}},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'token-response', id: 'nobody-asked', gen: {sid: 'forged', n: 5}, tokens: {accessToken: 'evil'}},
			{protocol: 'token-baton', v: 1, from: 'x', type: 'unknown'},
			JSON.parse('{"__proto__": {"polluted": true}, "protocol": "token-baton", "v": 1, "from": "x", "type": "token-request", "id": "q"}'),
		];
		for (const message of hostile) channel.postMessage(message);
		await settle();
		channel.close();
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		await allHold([a!, b!], 'at-1');
		expect([a!.state, b!.state]).toEqual(['signed-in', 'signed-in']);
	});

	test('a forged rotation for the right session id with a bad token shape is ignored', async () => {
		const [a, b] = await openTabs(2);
		await a!.setTokens(server().login());
		await allHold([a!, b!], 'at-1');
		const tokens = record(b!, 'token');
		const channel = new BroadcastChannel('token-baton:default');
		channel.postMessage({protocol: 'token-baton', v: 1, from: 'x', type: 'tokens', login: false, gen: {sid: 's', n: 1}, tokens: {accessToken: 'x'.repeat(70_000)}});
		await settle();
		channel.close();
		expect(tokens).toEqual([]);
	});
});

describe('the double check under the lock', () => {
	const storeOf = () => createStore('token-baton:default', 'session');

	/** A tab that missed another tab's rotation: storage holds generation 1, this tab still generation 0. */
	async function tabThatMissedARotation() {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		const {sid} = (await get<{sid: string}>('session', storeOf()))!;
		await idbStore().replace({sid, n: 1, refreshToken: 'rt-other-tab', refreshExpiresAt: undefined}, undefined);
		const shared = {accessToken: 'at-other-tab', expiresAt: Date.now() + 3_600_000, refreshToken: 'rt-other-tab', refreshExpiresAt: undefined, scope: undefined, idToken: undefined};
		const otherTab = new BroadcastChannel('token-baton:default');
		const envelope = {protocol: 'token-baton', v: 1, from: 'other-tab'};
		return {auth, sid, shared, otherTab, envelope};
	}

	test('adopts the token whose broadcast crossed its question, without a refresh', async () => {
		const {auth, sid, shared, otherTab, envelope} = await tabThatMissedARotation();
		otherTab.onmessage = ({data}: MessageEvent<{type?: string; id?: string}>) => {
			if (data.type !== 'token-request') return;
			otherTab.postMessage({...envelope, type: 'tokens', login: false, gen: {sid, n: 1}, tokens: shared});
			otherTab.postMessage({...envelope, type: 'token-response', id: data.id, gen: {sid, n: 1}, tokens: shared});
		};
		await expect(auth.getAccessToken()).resolves.toBe('at-other-tab');
		expect(server().refreshCalls).toHaveLength(0);
		otherTab.close();
	});

	test('with no tab answering, refreshes with the NEW stored refresh token, never the superseded one', async () => {
		const {auth, otherTab} = await tabThatMissedARotation();
		server().respondNext((call) => HttpResponse.json({access_token: `for-${call.refreshToken}`, token_type: 'Bearer', expires_in: 60}));
		await expect(auth.getAccessToken()).resolves.toBe('for-rt-other-tab');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-other-tab']);
		otherTab.close();
	});
});

describe('a session ended in another tab whose message has not arrived yet', () => {
	test.each(['invalid_grant', 'logout'])('the note it left in storage gives the real reason (%s), with no request and no second broadcast', async (reason) => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		const {sid} = (await get<{sid: string}>('session', createStore('token-baton:default', 'session')))!;
		await idbStore().clear({sid, ended: reason});
		const heard: unknown[] = [];
		const otherTab = new BroadcastChannel('token-baton:default');
		otherTab.onmessage = ({data}: MessageEvent) => heard.push(data);
		const signedOut = record(auth, 'signed-out');
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
		expect(signedOut).toEqual([{reason}]);
		expect(server().refreshCalls).toHaveLength(0);
		await settle();
		expect(heard).toEqual([]);
		otherTab.close();
	});
});

describe('a tab that missed messages (asleep, frozen, in the back/forward cache)', () => {
	const storeOf = () => createStore('token-baton:default', 'session');

	test('learns of a logout elsewhere from storage when it wakes, before using its token again', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const {sid} = (await get<{sid: string}>('session', storeOf()))!;
		await idbStore().clear({sid, ended: 'logout'});
		const signedOut = next(auth, 'signed-out');
		window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}));
		await expect(signedOut).resolves.toEqual({reason: 'logout'});
		await expect(auth.getAccessToken()).rejects.toBeInstanceOf(SignedOutError);
	});

	test('joins a login made elsewhere meanwhile', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		await idbStore().replace({sid: 'other-login', n: 0, refreshToken: 'rt-other', refreshExpiresAt: undefined}, undefined);
		server().respondNext((call) => HttpResponse.json({access_token: `for-${call.refreshToken}`, token_type: 'Bearer', expires_in: 60}));
		const signedIn = next(auth, 'signed-in');
		document.dispatchEvent(new Event('visibilitychange'));
		await expect(signedIn).resolves.toEqual({source: 'tab'});
		await expect(auth.getAccessToken()).resolves.toBe('for-rt-other');
	});

	test('takes the newer refresh token of a rotation made elsewhere, and keeps its valid access token', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const {sid} = (await get<{sid: string}>('session', storeOf()))!;
		await idbStore().replace({sid, n: 1, refreshToken: 'rt-rotated', refreshExpiresAt: undefined}, undefined);
		window.dispatchEvent(new Event('focus'));
		await settle();
		await expect(auth.getAccessToken()).resolves.toBe('at-1');
		server().respondNext((call) => HttpResponse.json({access_token: `for-${call.refreshToken}`, token_type: 'Bearer', expires_in: 60}));
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).resolves.toBe('for-rt-rotated');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-rotated']);
	});
});
