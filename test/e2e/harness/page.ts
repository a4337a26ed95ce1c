/**
 * Runs in the browser: bundled by esbuild together with token-baton (src/) and loaded by the
 * test page. It exposes `window.harness`, a small remote control the Node tests drive through
 * `page.evaluate`. Everything it returns is plain data (structured-cloneable).
 */
import * as tokenBaton from '../../../src/index.js';
import type {AuthState, SessionInfo, TokenManager, TokenManagerEventName} from '../../../src/index.js';

export type RecordedEvent = {
	name: TokenManagerEventName;
	/** performance.timeOrigin + performance.now(): comparable across tabs (one clock). */
	at: number;
	reason?: string;
	source?: string;
	code?: string;
	errorName?: string;
	errorCode?: string;
};

/** How a getAccessToken() call ended; `startedAt` and `at` (settled) are on the shared clock. */
export type TokenOutcome =
	| {ok: true; token: string; startedAt: number; at: number}
	| {ok: false; name: string; code: string | undefined; message: string; startedAt: number; at: number};

export type FetchOutcome = {ok: true; status: number; at: number} | {ok: false; name: string; code: string | undefined; at: number};

/** Serializable manager options; the endpoints default to this origin's test server. */
export type PageOptions = {
	name?: string;
	refreshLeewaySeconds?: number;
	lockTimeoutSeconds?: number;
	requestTimeoutSeconds?: number;
	revocationEndpoint?: string;
};

/** A message to post on a BroadcastChannel: a value as Playwright passes it, JSON parsed in the page, or built here. */
export type HostileMessage =
	| {raw: unknown}
	| {json: string}
	| {build: 'cyclic' | 'date' | 'map' | 'typed-array' | 'blob' | 'error' | 'huge-reason' | 'huge-token'};

type Entry = {auth: TokenManager; events: RecordedEvent[]; pump?: {timer: ReturnType<typeof setInterval>; results: Array<Promise<FetchOutcome>>}};

const managers = new Map<string, Entry>();
const heldLocks = new Map<string, () => void>();
const channelWatchers = new Map<string, {channel: BroadcastChannel; count: number; sentinels: string[]}>();
const EVENT_NAMES: readonly TokenManagerEventName[] = ['signed-in', 'signed-out', 'token', 'error', 'warning'];

function now(): number {
	return performance.timeOrigin + performance.now();
}

function entry(id: string): Entry {
	const found = managers.get(id);
	if (!found) throw new Error(`No manager "${id}" in this page`);
	return found;
}

function describeError(error: unknown): {name: string; code: string | undefined; message: string} {
	if (error instanceof Error) {
		const code = error instanceof tokenBaton.TokenBatonError ? error.code : undefined;
		return {name: error.name, code, message: error.message};
	}

	return {name: typeof error, code: undefined, message: String(error)};
}

function record(events: RecordedEvent[], name: TokenManagerEventName, detail: unknown): void {
	const event: RecordedEvent = {name, at: now()};
	if (typeof detail === 'object' && detail !== null) {
		const d = detail as Record<string, unknown>;
		if (typeof d.reason === 'string') event.reason = d.reason;
		if (typeof d.source === 'string') event.source = d.source;
		if (typeof d.code === 'string') event.code = d.code;
		if (d.error instanceof Error) {
			const described = describeError(d.error);
			event.errorName = described.name;
			if (described.code !== undefined) event.errorCode = described.code;
		}
	}

	events.push(event);
}

async function tokenOutcome(call: () => Promise<string>): Promise<TokenOutcome> {
	const startedAt = now();
	try {
		const token = await call();
		return {ok: true, token, startedAt, at: now()};
	} catch (error) {
		return {ok: false, ...describeError(error), startedAt, at: now()};
	}
}

async function fetchOutcome(promise: Promise<Response>): Promise<FetchOutcome> {
	try {
		const response = await promise;
		await response.arrayBuffer();
		return {ok: true, status: response.status, at: now()};
	} catch (error) {
		const {name, code} = describeError(error);
		return {ok: false, name, code, at: now()};
	}
}

function buildHostile(message: HostileMessage): unknown {
	if ('raw' in message) return message.raw;
	if ('json' in message) return JSON.parse(message.json) as unknown;
	const envelope = {protocol: 'token-baton', v: 1, from: 'intruder'};
	switch (message.build) {
		case 'cyclic': {
			const gen: Record<string, unknown> = {sid: 'cyclic', n: 1};
			gen.self = gen;
			return {...envelope, type: 'tokens', login: false, gen, tokens: {accessToken: 'cyclic-token', expiresAt: Date.now() + 3_600_000}};
		}

		case 'date': {
			return new Date();
		}

		case 'map': {
			return new Map<string, unknown>([['protocol', 'token-baton'], ['v', 1], ['type', 'signed-out'], ['reason', 'logout'], ['from', 'x']]);
		}

		case 'typed-array': {
			return new Uint8Array(1024);
		}

		case 'blob': {
			return new Blob(['{"protocol":"token-baton","v":1,"type":"signed-out","reason":"logout","from":"x"}']);
		}

		case 'error': {
			return Object.assign(new Error('not a message'), {protocol: 'token-baton', v: 1, type: 'signed-out', reason: 'logout', from: 'x'});
		}

		case 'huge-reason': {
			return {...envelope, type: 'signed-out', reason: 'x'.repeat(8 * 1024 * 1024)};
		}

		case 'huge-token': {
			return {
				...envelope,
				type: 'tokens',
				login: true,
				gen: {sid: 'huge', n: 0},
				tokens: {accessToken: 'a'.repeat(8 * 1024 * 1024), expiresAt: Date.now() + 3_600_000},
			};
		}
	}
}

const harness = {
	/** Create a manager against this origin's test server (does not wait for `ready`). */
	create(id: string, options: PageOptions = {}): void {
		if (managers.has(id)) throw new Error(`Manager "${id}" exists already`);
		const auth = tokenBaton.createTokenManager({
			tokenEndpoint: `${location.origin}/oauth/token`,
			clientId: 'e2e-spa',
			revocationEndpoint: `${location.origin}/oauth/revoke`,
			...options,
		});
		const events: RecordedEvent[] = [];
		for (const name of EVENT_NAMES) auth.on(name, (detail: unknown) => record(events, name, detail));
		managers.set(id, {auth, events});
	},

	async ready(id: string): Promise<AuthState> {
		const {auth} = entry(id);
		await auth.ready;
		return auth.state;
	},

	state(id: string): AuthState {
		return entry(id).auth.state;
	},

	session(id: string): SessionInfo | undefined {
		return entry(id).auth.session;
	},

	async setTokens(id: string, json: unknown): Promise<void> {
		await entry(id).auth.setTokens(json);
	},

	getAccessToken(id: string, rejectedToken?: string): Promise<TokenOutcome> {
		const {auth} = entry(id);
		return tokenOutcome(() => auth.getAccessToken(rejectedToken === undefined ? {} : {rejectedToken}));
	},

	fetch(id: string, path = '/api'): Promise<FetchOutcome> {
		return fetchOutcome(entry(id).auth.fetch(path));
	},

	/** `tokens` getAccessToken() calls and `fetches` auth.fetch(path) calls, all started in the same task. */
	async burst(id: string, counts: {tokens: number; fetches: number; path?: string}): Promise<{tokens: TokenOutcome[]; fetches: FetchOutcome[]}> {
		const {auth} = entry(id);
		const tokens: Array<Promise<TokenOutcome>> = [];
		const fetches: Array<Promise<FetchOutcome>> = [];
		for (let i = 0; i < Math.max(counts.tokens, counts.fetches); i++) {
			if (i < counts.tokens) tokens.push(tokenOutcome(() => auth.getAccessToken()));
			if (i < counts.fetches) fetches.push(fetchOutcome(auth.fetch(counts.path ?? '/api')));
		}

		return {tokens: await Promise.all(tokens), fetches: await Promise.all(fetches)};
	},

	/** Log out; `startedAt` is taken just before `logout()` is called. */
	async logout(id: string): Promise<{startedAt: number; endedAt: number}> {
		const {auth} = entry(id);
		const startedAt = now();
		await auth.logout();
		return {startedAt, endedAt: now()};
	},

	events(id: string): RecordedEvent[] {
		return entry(id).events;
	},

	/** The first `name` event at index `fromIndex` or later; rejects after `timeoutMs`. */
	waitForEvent(id: string, name: TokenManagerEventName, fromIndex: number, timeoutMs: number): Promise<RecordedEvent> {
		const {events} = entry(id);
		const started = now();
		return new Promise((resolve, reject) => {
			const check = () => {
				const found = events.slice(fromIndex).find((event) => event.name === name);
				if (found) {
					resolve(found);
					return;
				}

				if (now() - started > timeoutMs) {
					reject(new Error(`No "${name}" event within ${timeoutMs} ms`));
					return;
				}

				setTimeout(check, 5);
			};

			check();
		});
	},

	/**
	 * The manager itself, for code that runs in the page (`page.evaluate`, init scripts such as
	 * the fault matrix's): not for `Tab.call`, which returns structured-cloned data only.
	 */
	manager(id: string): TokenManager {
		return entry(id).auth;
	},

	destroy(id: string): void {
		entry(id).auth.destroy();
		managers.delete(id);
	},

	/** Call auth.fetch(path) every `intervalMs` until stopPump. */
	startPump(id: string, path: string, intervalMs: number): void {
		const e = entry(id);
		const results: Array<Promise<FetchOutcome>> = [];
		const timer = setInterval(() => results.push(fetchOutcome(e.auth.fetch(path))), intervalMs);
		e.pump = {timer, results};
	},

	async stopPump(id: string): Promise<FetchOutcome[]> {
		const e = entry(id);
		if (!e.pump) return [];
		clearInterval(e.pump.timer);
		const results = await Promise.all(e.pump.results);
		e.pump = undefined;
		return results;
	},

	/** Take an exclusive Web Lock and keep it until releaseLock(name): a hung tab or an extension. */
	holdLock(name: string): Promise<void> {
		return new Promise((granted, failed) => {
			navigator.locks.request(name, () => new Promise<void>((release) => {
				heldLocks.set(name, release);
				granted();
			})).catch(failed);
		});
	},

	releaseLock(name: string): void {
		heldLocks.get(name)?.();
		heldLocks.delete(name);
	},

	/** How many tabs hold and wait for the Web Lock `name`; undefined without Web Locks. */
	async lockState(name: string): Promise<{held: number; pending: number} | undefined> {
		if (typeof navigator.locks?.query !== 'function') return undefined;
		const snapshot = await navigator.locks.query();
		const count = (list: LockInfo[] | undefined) => (list ?? []).filter((lock) => lock.name === name).length;
		return {held: count(snapshot.held), pending: count(snapshot.pending)};
	},

	hasWebLocks(): boolean {
		return typeof navigator.locks?.request === 'function';
	},

	/**
	 * Watch a channel with a listener of its own, created after the SDK's: a message this
	 * listener has seen was delivered to the SDK's channel first (delivery follows creation order).
	 */
	watchChannel(name: string): void {
		const channel = new BroadcastChannel(name);
		const watcher = {channel, count: 0, sentinels: [] as string[]};
		channel.onmessage = (event: MessageEvent<unknown>) => {
			watcher.count++;
			const data = event.data;
			if (typeof data === 'object' && data !== null && 'sentinel' in data && typeof data.sentinel === 'string') {
				watcher.sentinels.push(data.sentinel);
			}
		};

		channelWatchers.set(name, watcher);
	},

	/** The `sentinel` strings seen by watchChannel(name) so far. */
	channelSentinels(name: string): string[] {
		return channelWatchers.get(name)?.sentinels ?? [];
	},

	/** Post each message on the channel; returns how many were posted (some cannot be cloned). */
	post(name: string, messages: HostileMessage[]): number {
		const channel = new BroadcastChannel(name);
		let posted = 0;
		for (const message of messages) {
			channel.postMessage(buildHostile(message));
			posted++;
		}

		channel.close();
		return posted;
	},

	/** Properties that appeared on Object.prototype (prototype pollution), by name. */
	prototypeKeys(): string[] {
		return Object.getOwnPropertyNames(Object.prototype);
	},

	async databases(): Promise<string[]> {
		const list = await indexedDB.databases();
		return list.map((db) => db.name ?? '').sort();
	},
};

export type PageHarness = typeof harness;

declare global {
	interface Window {
		harness: PageHarness;
	}
}

window.harness = harness;
