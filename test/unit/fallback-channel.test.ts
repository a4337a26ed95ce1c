/**
 * Pages without a native BroadcastChannel: the tabs talk over the broadcast-channel package
 * (src/tabs/fallback-channel.ts, loaded lazily), here its browser build over fake-indexeddb.
 * Only notices travel there, never a token: it writes every message to disk.
 */
import {BroadcastChannel as PackageChannel} from 'broadcast-channel';
import {beforeEach, describe, expect, test, vi} from 'vitest';
import type {TokenManager} from '../../src/index.js';
import {openTabChannel} from '../../src/tabs/tab-channel.js';
import {settle} from '../helpers/clock.js';
import {makeManager, next, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();

beforeEach(() => {
	vi.stubGlobal('BroadcastChannel', undefined);
});

/** Everything other tabs post on `channelName` from now on, as another tab of the origin hears it. */
function listen(channelName: string): {heard: unknown[]; channel: PackageChannel} {
	const heard: unknown[] = [];
	const channel = new PackageChannel(channelName);
	channel.onmessage = (message: unknown) => heard.push(message);
	return {heard, channel};
}

/** A localStorage whose every method throws, as in some privacy modes. */
function throwingLocalStorage(): void {
	const refuse = () => {
		throw new DOMException('The operation is insecure.', 'SecurityError');
	};

	vi.stubGlobal('localStorage', {getItem: refuse, setItem: refuse, removeItem: refuse, clear: refuse, key: refuse, get length(): number {
		return refuse();
	}});
}

/** Every string anywhere in `value`. */
function stringsIn(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (typeof value !== 'object' || value === null) return [];
	return Object.values(value).flatMap(stringsIn);
}

/** The records broadcast-channel keeps in its IndexedDB database for `channelName`: what is on disk. */
async function storedMessages(channelName: string): Promise<unknown[]> {
	const db = await new Promise<IDBDatabase>((resolve, reject) => {
		const request = indexedDB.open(`pubkey.broadcast-channel-0-${channelName}`);
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
	try {
		return await new Promise<unknown[]>((resolve, reject) => {
			const request = db.transaction('messages').objectStore('messages').getAll();
			request.onsuccess = () => resolve(request.result as unknown[]);
			request.onerror = () => reject(request.error);
		});
	} finally {
		db.close();
	}
}

const tokens = {accessToken: 'at-secret', expiresAt: 1, refreshToken: 'rt-secret', refreshExpiresAt: undefined, scope: undefined, idToken: 'id-secret'};

// IndexedDB is polled (every 150 ms): slower than the native channel, on a loaded machine more so.
describe('the fallback transport (no native BroadcastChannel)', {timeout: 20_000}, () => {
	test('only notices go over it: a token never reaches the wire or the disk; requests for tokens are not sent at all', async () => {
		const wire = listen('token-baton:notices');
		// The package's own choice where there is no native channel: IndexedDB.
		expect(wire.channel.type).toBe('idb');
		const channel = openTabChannel('notices', 'tab-1', () => {});
		expect(channel.carriesTokens).toBe(false);
		channel.post({type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens});
		channel.post({type: 'tokens', login: false, gen: {sid: 's', n: 1}, tokens});
		channel.post({type: 'token-request', id: 'q'});
		channel.post({type: 'token-response', id: 'q', gen: {sid: 's', n: 1}, tokens});
		channel.post({type: 'memory-only'});
		channel.post({type: 'signed-out', reason: 'logout'});
		await vi.waitFor(() => expect(wire.heard).toHaveLength(4), {timeout: 5000});
		expect(wire.heard).toEqual([
			{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'tokens', login: true, gen: {sid: 's', n: 0}},
			{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'tokens', login: false, gen: {sid: 's', n: 1}},
			{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'memory-only'},
			{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'signed-out', reason: 'logout'},
		]);
		const onDisk = await storedMessages('token-baton:notices');
		expect(onDisk).toHaveLength(4);
		// The transport's probe of IndexedDB left no database behind.
		expect((await indexedDB.databases()).map((database) => database.name)).not.toContain('token-baton:notices:probe');
		expect(JSON.stringify(onDisk)).not.toMatch(/secret/);
		// Closed: nothing more is sent.
		channel.close();
		channel.post({type: 'signed-out', reason: 'again'});
		await settle();
		expect(await storedMessages('token-baton:notices')).toHaveLength(4);
		await wire.channel.close();
	});

	test('another tab\'s notice arrives; hostile, malformed and own messages are ignored without throwing', async () => {
		const received: unknown[] = [];
		const channel = openTabChannel('hostile', 'tab-1', (message) => received.push(message));
		// Wait until the lazily loaded transport listens: it hears a first notice.
		const sender = new PackageChannel('token-baton:hostile');
		for (let tries = 0; received.length === 0 && tries < 50; tries++) {
			await sender.postMessage({protocol: 'token-baton', v: 1, from: 'tab-2', type: 'memory-only'});
			await new Promise((resolve) => {
				setTimeout(resolve, 100);
			});
		}

		expect(received.length).toBeGreaterThan(0);
		const probes = (message: unknown) => (message as {type: string}).type === 'memory-only';
		const errors: unknown[] = [];
		const onError = (event: Event) => errors.push(event);
		window.addEventListener('error', onError);
		const cyclic: Record<string, unknown> = {protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out'};
		cyclic.reason = cyclic;
		const hostile: unknown[] = [
			null, 42, 'tokens', [], {}, new Date(0), new Map([['type', 'signed-out']]), new Uint8Array(4), cyclic,
			// What a login would need only on the prototype (JSON.parse keeps "__proto__" as an own key).
			JSON.parse('{"__proto__": {"polluted": true, "login": true, "gen": {"sid": "p", "n": 0}}, "protocol": "token-baton", "v": 1, "from": "tab-2", "type": "tokens"}'),
			{protocol: 'token-baton', v: 2, from: 'tab-2', type: 'signed-out', reason: 'logout'},
			{protocol: 'other', v: 1, from: 'tab-2', type: 'signed-out', reason: 'logout'},
			{protocol: 'token-baton', v: 1, type: 'signed-out', reason: 'logout'},
			{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'x'.repeat(10_000)},
			{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'tokens', login: 'yes', gen: {sid: 's', n: 0}},
			{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'tokens', login: true, gen: {sid: 's', n: -1}},
			{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'tokens', login: false, gen: {sid: 's', n: 1}, tokens: {accessToken: 'a b', expiresAt: 1}},
			{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'launch-missiles'},
			// This tab's own id: an echo, or a forgery of it.
			{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'signed-out', reason: 'logout'},
			// Last, the one well-formed notice.
			{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'logout', extra: 'dropped'},
		];
		for (const message of hostile) await sender.postMessage(message);
		await vi.waitFor(() => expect(received.filter((message) => !probes(message))).toHaveLength(1), {timeout: 5000});
		await settle();
		// Rebuilt from the checked fields: what else the sender put in does not arrive.
		expect(received.filter((message) => !probes(message))).toEqual([{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'logout'}]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		window.removeEventListener('error', onError);
		expect(errors).toEqual([]);
		channel.close();
		await sender.close();
	});

	test('where localStorage throws, notices still travel (over IndexedDB)', async () => {
		throwingLocalStorage();
		expect(() => localStorage.getItem('x')).toThrow(DOMException);
		const wire = listen('token-baton:private');
		const channel = openTabChannel('private', 'tab-1', () => {});
		channel.post({type: 'signed-out', reason: 'logout'});
		await vi.waitFor(() => expect(wire.heard).toEqual([{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'signed-out', reason: 'logout'}]), {timeout: 5000});
		channel.close();
		await wire.channel.close();
	});

	test('where IndexedDB is there but cannot open a database (storage blocked), notices go over localStorage, and nothing is left unhandled', async () => {
		// Vitest fails the run on an unhandled rejection: the package alone would leave two here.
		vi.stubGlobal('indexedDB', {open: () => {
			throw new DOMException('The user denied permission to access the database.', 'UnknownError');
		}});
		const wire = new PackageChannel('token-baton:blocked', {type: 'localstorage'});
		const heard: unknown[] = [];
		wire.onmessage = (message: unknown) => heard.push(message);
		const channel = openTabChannel('blocked', 'tab-1', () => {});
		channel.post({type: 'signed-out', reason: 'logout'});
		await vi.waitFor(() => expect(heard).toEqual([{protocol: 'token-baton', v: 1, from: 'tab-1', type: 'signed-out', reason: 'logout'}]), {timeout: 5000});
		channel.close();
		await wire.close();
	});

	test('an IndexedDB open that fails asynchronously is taken as unusable too', async () => {
		throwingLocalStorage();
		vi.stubGlobal('indexedDB', {open() {
			const request: {error: DOMException; onerror?: () => void} = {error: new DOMException('denied', 'UnknownError')};
			setTimeout(() => request.onerror?.(), 0);
			return request;
		}});
		const received: unknown[] = [];
		const channel = openTabChannel('failing', 'tab-1', (message) => received.push(message));
		channel.post({type: 'signed-out', reason: 'logout'});
		await new Promise((resolve) => {
			setTimeout(resolve, 300);
		});
		channel.close();
		await settle();
		expect(received).toEqual([]);
	});

	test('where neither IndexedDB nor localStorage works, tabs do not hear each other and nothing throws', async () => {
		throwingLocalStorage();
		vi.stubGlobal('indexedDB', undefined);
		// The package itself finds no way to send here.
		expect(() => new PackageChannel('token-baton:probe')).toThrow(/No usable method/);
		const received: unknown[] = [];
		const channel = openTabChannel('nothing', 'tab-1', (message) => received.push(message));
		expect(channel.carriesTokens).toBe(false);
		expect(() => channel.post({type: 'signed-out', reason: 'logout'})).not.toThrow();
		await settle();
		expect(() => channel.close()).not.toThrow();
		await settle();
		expect(received).toEqual([]);
	});
});

/** Two managers ("tabs") of the default name, ready, over the fallback. */
async function twoTabs(): Promise<[TokenManager, TokenManager]> {
	const tabs = [makeManager(), makeManager()] as const;
	await Promise.all(tabs.map((tab) => tab.ready));
	return [...tabs];
}

describe('two tabs without a native BroadcastChannel', {timeout: 20_000}, () => {
	test('a login, a refresh and a logout reach the other tab; no refresh token is reused and no token goes over the fallback', async () => {
		const wire = listen('token-baton:default');
		const [a, b] = await twoTabs();
		const signedIn = next(b, 'signed-in');
		await a.setTokens(server().login());
		// The login arrives as a notice: b reads the session from storage, without a request.
		await expect(signedIn).resolves.toEqual({source: 'tab'});
		expect(server().refreshCalls).toHaveLength(0);

		// The access token stays in a's memory: b's first call refreshes, with the stored refresh token.
		expect(await b.getAccessToken()).toBe('at-2');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1']);
		// a is told of the rotation, but tokens cannot travel: when a's token is refused, a
		// finds the rotated refresh token in storage and uses that one, never the consumed one.
		await vi.waitFor(() => expect(wire.heard).toContainEqual(expect.objectContaining({type: 'tokens', login: false, gen: expect.objectContaining({n: 1})})), {timeout: 5000});
		expect(await a.getAccessToken({rejectedToken: 'at-1'})).toBe('at-3');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1', 'rt-2']);
		expect(server().reuses).toEqual([]);

		const aEvents = record(a, 'signed-out');
		const signedOut = next(b, 'signed-out');
		await b.logout();
		await expect(signedOut).resolves.toEqual({reason: 'logout'});
		await vi.waitFor(() => expect(aEvents).toEqual([{reason: 'logout'}]), {timeout: 5000});
		expect(a.state).toBe('signed-out');
		expect(server().revocations.map((params) => params.get('token'))).toEqual(['rt-3']);

		// Everything that went over the fallback: notices, never a token.
		await vi.waitFor(() => expect(wire.heard.filter((message) => (message as {type: string}).type === 'signed-out')).toHaveLength(1), {timeout: 5000});
		expect(wire.heard.map((message) => (message as {type: string; login?: boolean}).type + (message as {login?: boolean}).login)).toEqual(['tokenstrue', 'tokensfalse', 'tokensfalse', 'signed-outundefined']);
		const issued = ['at-1', 'at-2', 'at-3', 'rt-1', 'rt-2', 'rt-3'];
		const sent = [...stringsIn(wire.heard), ...stringsIn(await storedMessages('token-baton:default'))];
		expect(sent.filter((value) => issued.includes(value))).toEqual([]);
		for (const message of wire.heard) expect(message).not.toHaveProperty('tokens');
		await wire.channel.close();
	});

});
