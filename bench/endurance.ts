/**
 * Endurance: many refresh cycles of two token managers ("tabs") under fake timers, in a
 * minimal browser-like Node environment, counting what the SDK leaves behind.
 *
 * Run by `npm run bench` as `node --expose-gc bench/.out/endurance.mjs <cycles> <warmup> <out.json>`,
 * one fresh process per run. The environment:
 * - IndexedDB: fake-indexeddb (the refresh token is stored encrypted, with Node's WebCrypto);
 * - Web Locks: the unit tests' in-process FakeLockManager (test/helpers/fake-web-locks.ts);
 * - BroadcastChannel: Node's own, which delivers between instances of one process;
 * - `window` and `document`: bare EventTargets, so the SDK's wake-up listeners are real and countable;
 * - the token endpoint: a `fetch` stub that rotates refresh tokens and counts reuse;
 * - time: @sinonjs/fake-timers for setTimeout/setInterval/Date only (setImmediate, I/O and
 *   the WebCrypto thread pool stay real, since fake-indexeddb and crypto need them).
 */
import 'fake-indexeddb/auto';
import {getEventListeners} from 'node:events';
import {writeFileSync} from 'node:fs';
import {withGlobal} from '@sinonjs/fake-timers';
import {createTokenManager, type TokenManager, type TokenManagerEventName, type TokenManagerEvents} from '../src/index.js';
import {FakeLockManager} from '../test/helpers/fake-web-locks.js';

export type EnduranceSnapshot = {
	cycle: number;
	/** Listeners on `window` (focus, pageshow, online) and `document` (visibilitychange). */
	pageListeners: number;
	/** 'abort' listeners on every AbortSignal that is still alive. */
	abortListeners: number;
	/** BroadcastChannel instances open. */
	openChannels: number;
	/** Timers pending in the fake clock. */
	pendingTimers: number;
	/** process.memoryUsage().heapUsed after full garbage collections. */
	heapUsed: number;
};

export type EnduranceResult = {
	cycles: number;
	warmup: number;
	managers: number;
	refreshRequests: number;
	reuses: number;
	/** Cycles after which the server had not seen exactly one more refresh request. */
	irregularCycles: number;
	errors: string[];
	durationMs: number;
	snapshots: EnduranceSnapshot[];
};

const [cyclesArg, warmupArg, outPath] = process.argv.slice(2);
const CYCLES = Number(cyclesArg ?? 10_000);
const WARMUP = Number(warmupArg ?? 200);
const SNAPSHOT_EVERY = 1000;
const TOKEN_URL = 'https://auth.bench.invalid/oauth/token';
const NAME = 'endurance';

const gc = (globalThis as {gc?: () => void}).gc;
if (typeof gc !== 'function') throw new Error('Run with node --expose-gc');

// --- a minimal browser-like environment -----------------------------------------------------

/**
 * An EventTarget whose `{signal}` option is honoured by a strong abort listener. Node 20's own
 * holds the removal for `{signal}` weakly, one per target (a WeakMap keyed by the target), so
 * after the explicit gc() of a snapshot only the last listener added to a target still goes on
 * abort; browsers have no such limit. Without this, destroy() looked like it left listeners.
 * Its abort listeners are the page's bookkeeping, as in a browser, and not counted as the SDK's.
 */
const pageHooks = new WeakSet<object>();
class PageTarget extends EventTarget {
	override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
		const signal = typeof options === 'object' ? options.signal : undefined;
		if (signal?.aborted) return;
		super.addEventListener(type, listener, typeof options === 'object' ? {...options, signal: undefined} : options);
		const remove = () => this.removeEventListener(type, listener, options);
		pageHooks.add(remove);
		signal?.addEventListener('abort', remove, {once: true});
	}
}

const win = new PageTarget();
const doc = Object.assign(new PageTarget(), {visibilityState: 'visible'});
Object.defineProperty(globalThis, 'window', {value: win, configurable: true, writable: true});
// In a page the global object is the window: the SDK calls the bare addEventListener (smaller than window.addEventListener).
Object.assign(globalThis, {addEventListener: win.addEventListener.bind(win), removeEventListener: win.removeEventListener.bind(win)});
Object.defineProperty(globalThis, 'document', {value: doc, configurable: true, writable: true});
Object.defineProperty(globalThis, 'navigator', {value: {locks: new FakeLockManager()}, configurable: true, writable: true});

let openChannels = 0;
const NativeBroadcastChannel = globalThis.BroadcastChannel;
class CountedBroadcastChannel extends NativeBroadcastChannel {
	#closed = false;
	constructor(name: string) {
		super(name);
		openChannels++;
	}

	override close(): void {
		if (!this.#closed) openChannels--;
		this.#closed = true;
		super.close();
	}
}

globalThis.BroadcastChannel = CountedBroadcastChannel;

// Every AbortSignal the SDK creates, held weakly: a leaked 'abort' listener keeps adding up here.
let signals: Array<WeakRef<AbortSignal>> = [];
const NativeAbortController = globalThis.AbortController;
class TrackedAbortController extends NativeAbortController {
	constructor() {
		super();
		signals.push(new WeakRef(this.signal));
	}
}

globalThis.AbortController = TrackedAbortController;

// --- the token endpoint: rotates refresh tokens, counts reuse -------------------------------

let issued = 0;
let latestRefreshToken = '';
let refreshRequests = 0;
let reuses = 0;

function issue(): Record<string, unknown> {
	issued++;
	latestRefreshToken = `rt-${issued}`;
	return {access_token: `at-${issued}`, token_type: 'Bearer', expires_in: 60, refresh_token: latestRefreshToken};
}

globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
	const url = input instanceof Request ? input.url : String(input);
	if (url !== TOKEN_URL) return new Response('not found', {status: 404});
	refreshRequests++;
	const form = init?.body instanceof URLSearchParams ? init.body : new URLSearchParams();
	const headers = {'content-type': 'application/json'};
	if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== latestRefreshToken) {
		reuses++;
		return new Response(JSON.stringify({error: 'invalid_grant'}), {status: 400, headers});
	}

	return new Response(JSON.stringify(issue()), {status: 200, headers});
};

// --- helpers ---------------------------------------------------------------------------------

function immediate(): Promise<void> {
	return new Promise((resolve) => {
		setImmediate(resolve);
	});
}

async function settle(rounds = 10): Promise<void> {
	for (let i = 0; i < rounds; i++) await immediate();
}

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await immediate();
}

function nextEvent<E extends TokenManagerEventName>(manager: TokenManager, name: E): Promise<TokenManagerEvents[E]> {
	return new Promise((resolve) => {
		const off = manager.on(name, (event) => {
			off();
			resolve(event);
		});
	});
}

/** Waits on real macrotasks (I/O, setImmediate, the WebCrypto thread pool), never on the fake clock. */
async function within<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
	let settled = false;
	let value: T | undefined;
	let failure: unknown;
	let failed = false;
	promise.then((v) => {
		settled = true;
		value = v;
	}, (error: unknown) => {
		settled = true;
		failed = true;
		failure = error;
	});
	const deadline = performance.now() + timeoutMs;
	while (!settled && performance.now() < deadline) await immediate();
	if (!settled) throw new Error(`Timed out waiting for ${what}`);
	if (failed) throw failure;
	return value as T;
}

// --- run -------------------------------------------------------------------------------------

const clock = withGlobal(globalThis).install({
	now: Date.UTC(2026, 0, 1, 9),
	toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
});

/** Full collections with real macrotasks in between, so that pending IndexedDB and channel work lets go first. */
async function collect(): Promise<void> {
	for (let i = 0; i < 4; i++) {
		gc!();
		await settle(5);
	}
}

async function snapshot(cycle: number): Promise<EnduranceSnapshot> {
	await collect();
	let abortListeners = 0;
	// Drop the references to collected signals, so that this bookkeeping does not grow the heap it measures.
	signals = signals.filter((ref) => {
		const signal = ref.deref();
		if (signal) abortListeners += getEventListeners(signal, 'abort').filter((listener) => !pageHooks.has(listener)).length;
		return signal !== undefined;
	});
	await collect();

	const pageListeners = ['focus', 'pageshow', 'online'].reduce((sum, type) => sum + getEventListeners(win, type).length, 0)
		+ getEventListeners(doc, 'visibilitychange').length;
	return {cycle, pageListeners, abortListeners, openChannels, pendingTimers: clock.countTimers(), heapUsed: process.memoryUsage().heapUsed};
}

const started = performance.now();
const errors: string[] = [];
const managers = [0, 1].map(() => createTokenManager({tokenEndpoint: TOKEN_URL, clientId: 'bench', name: NAME}));
for (const manager of managers) {
	manager.on('error', ({error}) => errors.push(`error: ${error.code} ${error.message}`));
	manager.on('signed-out', ({reason}) => errors.push(`signed-out: ${reason}`));
	manager.on('warning', ({code}) => errors.push(`warning: ${code}`));
}

await within(Promise.all(managers.map((manager) => manager.ready)), 'ready');
const joined = nextEvent(managers[1]!, 'signed-in');
await within(managers[0]!.setTokens(issue()), 'setTokens');
await within(joined, 'the second tab to join');

const snapshots: EnduranceSnapshot[] = [];
let irregularCycles = 0;
for (let cycle = 1; cycle <= WARMUP + CYCLES; cycle++) {
	const before = refreshRequests;
	const tokens = managers.map((manager) => nextEvent(manager, 'token'));
	// Move the clock past both tabs' refresh times: both timers fire, one tab refreshes,
	// the other finds the work done (over the channel, or inside the lock).
	const due = Math.max(...managers.map((manager) => manager.session?.refreshAt ?? Date.now()));
	await clock.tickAsync(Math.max(0, due - Date.now()) + 1);
	await within(Promise.all(tokens), `cycle ${cycle}: both tabs holding the new token`);
	// Quiet again: the tab that lost the race has left the lock and re-armed its timer.
	await within(until(() => clock.countTimers() === managers.length), `cycle ${cycle}: both tabs idle`);
	if (refreshRequests - before !== 1) irregularCycles++;
	if (errors.length > 0) break;
	if (cycle === WARMUP || (cycle > WARMUP && (cycle - WARMUP) % SNAPSHOT_EVERY === 0)) snapshots.push(await snapshot(cycle - WARMUP));
}

for (const manager of managers) manager.destroy();
await settle();
const afterDestroy = await snapshot(-1);
clock.uninstall();

const result: EnduranceResult = {
	cycles: CYCLES,
	warmup: WARMUP,
	managers: managers.length,
	refreshRequests,
	reuses,
	irregularCycles,
	errors: errors.slice(0, 10),
	durationMs: performance.now() - started,
	snapshots: [...snapshots, afterDestroy],
};
const json = JSON.stringify(result);
if (outPath) writeFileSync(outPath, json);
else process.stdout.write(`${json}\n`);
