/**
 * The fault matrix, unit layer (issue 7): every `unit` row of test/fault-matrix/matrix.ts,
 * run against the msw token server (rotation, reuse detection), fake-indexeddb and the
 * fake LockManager, with several managers in one process playing the tabs.
 *
 * Each row's scenario injects its fault and asserts what is particular to it. Then the
 * runner checks what every case must show: the session kept, or ended with the expected
 * reason in every tab; no consumed refresh token presented again (the server records each
 * one); no uncaught error or unhandled rejection; no token in web storage, cookies, the URL,
 * history state, the console, any event, error or rejection message, or the raw IndexedDB
 * bytes. The outcome of every case goes to test-results/reliability/unit.json for
 * `npm run reliability`.
 */
import {createStore, del, get, promisifyRequest, set} from 'idb-keyval';
import {delay, HttpResponse} from 'msw';
import {afterAll, describe, expect, test, vi} from 'vitest';
import {createTokenManager, InvalidOptionError, LockTimeoutError, SignedOutError, TransientRefreshError, type TokenManager, type TokenManagerOptions} from '../../src/index.js';
import {rowsOf, type CaseId, type MatrixRow} from '../fault-matrix/matrix.js';
import {findSecrets, finishCase, observedOf, ResultBook, type Observed, type TabOutcome} from '../fault-matrix/results.js';
import {advance, settle, useFakeClock} from '../helpers/clock.js';
import {installFakeWebLocks} from '../helpers/fake-web-locks.js';
import {jwt} from '../helpers/jwt.js';
import {makeManager} from '../helpers/managers.js';
import {useTokenServer, type RefreshCall, type TokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const book = new ResultBook('unit');
afterAll(() => book.write({node: process.version}));

const CHANNEL = 'token-baton:default';
const storeOf = (name = 'default') => createStore(`token-baton:${name}`, 'session');

type Tracked = {label: string; auth: TokenManager; observe: boolean; signedOut: string[]; warnings: string[]};

/** One case: its tabs, the tokens that must not leak, and what it injected. */
class UnitCase {
	readonly tracked: Tracked[] = [];
	/** Token → what it is, for the leak report. */
	readonly secrets = new Map<string, string>();
	/** Every event, error and rejection message the app could see or log. */
	readonly messages: string[] = [];
	faults = 0;
	#logins = 0;

	constructor(readonly server: TokenServer) {}

	/** A manager playing a tab. `observe: false` for managers whose session is not the one under test. */
	tab(options: TokenManagerOptions = {}, observe = true): TokenManager {
		const auth = makeManager(options);
		const tracked: Tracked = {label: `tab${this.tracked.length}${options.name ? `(${options.name})` : ''}`, auth, observe, signedOut: [], warnings: []};
		auth.on('signed-out', ({reason}) => tracked.signedOut.push(reason));
		auth.on('warning', ({code, message, error}) => {
			tracked.warnings.push(code);
			this.messages.push(`warning ${code}: ${message}${error ? ` (${error.message})` : ''}`);
		});
		auth.on('error', ({error}) => this.messages.push(`error ${error.code}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`));
		this.tracked.push(tracked);
		return auth;
	}

	/** `count` tabs, ready. */
	async tabs(count: number, options: TokenManagerOptions = {}): Promise<TokenManager[]> {
		const tabs = Array.from({length: count}, () => this.tab(options));
		await Promise.all(tabs.map((tab) => tab.ready));
		return tabs;
	}

	/** A login response of the test server (a new token family). */
	login(extra: Record<string, unknown> = {}): Record<string, unknown> {
		this.#logins++;
		const json = this.server.login(extra);
		for (const key of ['access_token', 'refresh_token'] as const) {
			const value = json[key];
			if (typeof value === 'string') this.secret(value, key);
		}

		return json;
	}

	secret(token: string, label: string): void {
		this.secrets.set(token, label);
	}

	inject(count = 1): void {
		this.faults += count;
	}

	/** The app's call: a rejection's message is one more place a token must not appear. */
	async token(auth: TokenManager, options: {rejectedToken?: string} = {}): Promise<string | Error> {
		try {
			return await auth.getAccessToken(options);
		} catch (error) {
			this.messages.push(`rejection: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
			return error instanceof Error ? error : new Error(String(error));
		}
	}

	/** Every token the test server can have issued so far, plus the ones registered. */
	allSecrets(): Map<string, string> {
		const all = new Map(this.secrets);
		const issued = this.#logins + this.server.refreshCalls.length + 2;
		for (let n = 1; n <= issued; n++) {
			all.set(`at-${n}`, 'access token');
			all.set(`rt-${n}`, 'refresh token');
		}

		return all;
	}

	/** Each observed tab: kept (a valid token at hand), ended (and why) or stuck. */
	async observe(): Promise<Observed> {
		const outcomes: TabOutcome[] = [];
		for (const tracked of this.tracked.filter((t) => t.observe)) {
			const {auth, label} = tracked;
			if (auth.state === 'signed-in') {
				const result = await withClock(this.token(auth));
				outcomes.push(typeof result === 'string' ? {tab: label, session: 'kept'} : {tab: label, session: 'stuck', detail: result.message});
				continue;
			}

			const probe = await withClock(this.token(auth));
			if (typeof probe === 'string' || !(probe instanceof SignedOutError)) {
				outcomes.push({tab: label, session: 'stuck', detail: `state ${auth.state}, getAccessToken gave ${typeof probe === 'string' ? 'a token' : probe.name}`});
				continue;
			}

			const reason = tracked.signedOut.at(-1)
				?? tracked.warnings.filter((code) => code.startsWith('storage-')).at(-1)
				?? 'never signed in';
			outcomes.push({tab: label, session: 'ended', reason});
		}

		return observedOf(outcomes);
	}
}

// Captured before any test installs fake timers.
const realSetTimeout = setTimeout;

/**
 * Move the fake clock (when installed) by `fakeMs`, then give real time to work that does not
 * run on the fake clock: WebCrypto and the network finish on real time, and a clock that
 * races ahead of them would time out locks and requests that are in fact quick.
 */
async function step(fakeMs: number): Promise<void> {
	if (vi.isFakeTimers()) await advance(fakeMs);
	await new Promise<void>((resolve) => {
		realSetTimeout(resolve, 2);
	});
}

/** Step (by `fakeMs` per step) until `condition` holds; false if it never did within `maxSteps`. */
async function until(condition: () => boolean | Promise<boolean>, fakeMs: number, maxSteps = 500): Promise<boolean> {
	for (let i = 0; i < maxSteps; i++) {
		if (await condition()) return true;
		await step(fakeMs);
	}

	return condition();
}

/** Settles `promise`, moving the fake clock meanwhile when it is installed (a refresh may wait on a timer). */
async function withClock<T>(promise: Promise<T>): Promise<T> {
	let done = false;
	const tracked = promise.finally(() => {
		done = true;
	});
	if (!await until(() => done, 50)) throw new Error('a call never settled');
	return tracked;
}

/** Console output, uncaught errors and unhandled rejections while a case runs. */
function captureProblems(): {console: string[]; uncaught: string[]; stop: () => void} {
	const lines: string[] = [];
	const uncaught: string[] = [];
	for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
		vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
			lines.push(`${method}: ${args.map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : String(arg))).join(' ')}`);
		});
	}

	const describe = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : String(value));
	const onRejection = (reason: unknown) => uncaught.push(`unhandled rejection: ${describe(reason)}`);
	const onException = (error: unknown) => uncaught.push(`uncaught exception: ${describe(error)}`);
	const onWindowError = (event: Event) => uncaught.push(`window error: ${describe((event as ErrorEvent).error ?? (event as ErrorEvent).message)}`);
	const onWindowRejection = (event: Event) => uncaught.push(`window unhandledrejection: ${describe((event as PromiseRejectionEvent).reason)}`);
	process.on('unhandledRejection', onRejection);
	process.on('uncaughtException', onException);
	window.addEventListener('error', onWindowError);
	window.addEventListener('unhandledrejection', onWindowRejection);
	return {
		console: lines,
		uncaught,
		stop() {
			process.off('unhandledRejection', onRejection);
			process.off('uncaughtException', onException);
			window.removeEventListener('error', onWindowError);
			window.removeEventListener('unhandledrejection', onWindowRejection);
			vi.restoreAllMocks();
		},
	};
}

/** Every place in this "browser" a token could end up in, as text. */
async function surfaces(ctx: UnitCase, captured: {console: string[]; uncaught: string[]}): Promise<Record<string, string>> {
	const out: Record<string, string> = {
		localStorage: JSON.stringify(Object.entries(localStorage)),
		sessionStorage: JSON.stringify(Object.entries(sessionStorage)),
		'document.cookie': document.cookie,
		'location.href': location.href,
		'history.state': JSON.stringify(history.state) ?? '',
		console: captured.console.join('\n'),
		'event, error and rejection messages': ctx.messages.join('\n'),
		'uncaught errors': captured.uncaught.join('\n'),
	};
	if (typeof indexedDB === 'undefined' || !indexedDB) return out;
	for (const {name} of await indexedDB.databases()) {
		if (!name) continue;
		const db = await promisifyRequest(indexedDB.open(name));
		for (const storeName of Array.from(db.objectStoreNames)) {
			const store = db.transaction(storeName, 'readonly').objectStore(storeName);
			const [keys, values] = await Promise.all([promisifyRequest(store.getAllKeys()), promisifyRequest(store.getAll())]);
			out[`IndexedDB ${name}/${storeName}`] = rawText([keys, values]);
		}

		db.close();
	}

	return out;
}

/** Strings as they are, bytes as Latin-1 characters: a token stored in any field or buffer shows up in the text. */
function rawText(value: unknown): string {
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (value instanceof ArrayBuffer) return Buffer.from(value).toString('latin1');
	if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
	if (Array.isArray(value)) return value.map(rawText).join('\n');
	if (value && typeof value === 'object') {
		const entries = Object.entries(value).map(([key, inner]) => `${key}=${rawText(inner)}`);
		return [Object.prototype.toString.call(value), ...entries].join('\n');
	}

	return '';
}

async function runCase(row: MatrixRow, scenario: Scenario): Promise<void> {
	const startedAt = performance.now();
	const ctx = new UnitCase(server());
	const captured = captureProblems();
	let failure: unknown;
	try {
		await scenario(ctx);
	} catch (error) {
		failure = error;
	}

	let observed: Observed = observedOf([]);
	try {
		observed = await ctx.observe();
		// Give stray rejections and IndexedDB work time to surface.
		await settle();
	} catch (error) {
		failure ??= error;
	}

	captured.stop();
	vi.useRealTimers();
	const leaks = findSecrets(await surfaces(ctx, captured), ctx.allSecrets());
	finishCase(book, row, {observed, reuses: ctx.server.reuses.length, faults: ctx.faults, leaks, uncaught: captured.uncaught, failure, startedAt});
}

type Scenario = (ctx: UnitCase) => Promise<void>;
type Fault = (call: RefreshCall) => Response | Promise<Response>;

/**
 * Two tabs, a 600 s token and 60 s leeway: the proactive refresh meets `faults` one after the
 * other (whichever tab tries), then the server answers normally. The stored record does not
 * change while the refresh fails, and no tab signs out.
 */
async function refreshThroughFaults(ctx: UnitCase, faults: Fault[], options: TokenManagerOptions = {}): Promise<void> {
	useFakeClock();
	const [a, b] = await ctx.tabs(2, {refreshLeewaySeconds: 60, lockTimeoutSeconds: 60, requestTimeoutSeconds: 30, ...options});
	await a!.setTokens(ctx.login({expires_in: 600}));
	await vi.waitFor(() => expect(b!.state).toBe('signed-in'));
	const before = await get('session', storeOf());
	for (const fault of faults) {
		ctx.server.respondNext((call) => {
			ctx.inject();
			return fault(call);
		});
	}

	const errors: string[] = [];
	for (const tab of [a!, b!]) tab.on('error', ({error}) => errors.push(`${error.code}: ${error.message}`));
	// Due at 600 − 60 − jitter (up to 6) s.
	await step(533_000);
	let unchanged = true;
	await until(async () => {
		// While the refresh keeps failing, the stored record stays exactly as it was.
		if (errors.length > 0 && ctx.server.refreshCalls.length <= faults.length) unchanged &&= rawText(await get('session', storeOf())) === rawText(before);
		return ctx.server.refreshCalls.length > faults.length;
	}, 250);
	// Both tabs end with the refreshed token (the server's lifetime is 3600 s, the login's 600 s).
	const refreshed = () => [a!, b!].every((tab) => (tab.session?.expiresAt ?? 0) > Date.now() + 3000_000);
	expect(await until(refreshed, 50)).toBe(true);
	expect(unchanged, 'stored record unchanged while the refresh failed').toBe(true);
	expect(errors, errors.join('\n')).toHaveLength(faults.length);
	expect(await withClock(a!.getAccessToken())).toBe('at-2');
	expect(await withClock(b!.getAccessToken())).toBe('at-2');
	expect(ctx.server.refreshCalls).toHaveLength(faults.length + 1);
	for (const tracked of ctx.tracked) expect(tracked.signedOut).toEqual([]);
}

const times = (count: number, fault: Fault): Fault[] => Array.from({length: count}, () => fault);

/** A tab signed in with a valid token, and a second tab that joined it. */
async function twoSignedInTabs(ctx: UnitCase, options: TokenManagerOptions = {}): Promise<[TokenManager, TokenManager]> {
	const [a, b] = await ctx.tabs(2, options);
	await a!.setTokens(ctx.login());
	await vi.waitFor(async () => expect(await b!.getAccessToken()).toBe('at-1'));
	return [a!, b!];
}

/** A message on the tabs' channel, as another script of the page could post it. */
function post(messages: unknown[]): void {
	const channel = new BroadcastChannel(CHANNEL);
	for (const message of messages) channel.postMessage(message);
	channel.close();
}

/** Tabs saw no event at all since `mark` and still hand out `token`. */
async function expectUntouched(tabs: TokenManager[], token: string, events: unknown[]): Promise<void> {
	await settle();
	expect(events).toEqual([]);
	for (const tab of tabs) {
		expect(tab.state).toBe('signed-in');
		expect(await tab.getAccessToken()).toBe(token);
	}

	expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

function recordAll(tabs: TokenManager[]): unknown[] {
	const events: unknown[] = [];
	for (const tab of tabs) {
		for (const name of ['signed-in', 'signed-out', 'token', 'error', 'warning'] as const) tab.on(name, (event) => events.push({name, event}));
	}

	return events;
}

const envelope = {protocol: 'token-baton', v: 1, from: 'intruder'};
const nowSeconds = () => Math.floor(Date.now() / 1000);

const SCENARIOS: {readonly [K in CaseId<'unit'>]: Scenario} = {
	'endpoint-timeout': async (ctx) => {
		await refreshThroughFaults(ctx, times(2, async () => {
			await delay('infinite');
			return HttpResponse.json({});
		}), {requestTimeoutSeconds: 5});
	},
	'endpoint-500': async (ctx) => refreshThroughFaults(ctx, times(3, () => new HttpResponse('internal error', {status: 500}))),
	'endpoint-502': async (ctx) => refreshThroughFaults(ctx, times(3, () => new HttpResponse('<html><body>502 Bad Gateway</body></html>', {status: 502, headers: {'content-type': 'text/html'}}))),
	'endpoint-503': async (ctx) => refreshThroughFaults(ctx, times(3, () => new HttpResponse(null, {status: 503}))),
	'endpoint-429': async (ctx) => {
		// A rate limiter: every request inside the window gets 429 and the time left.
		let limitedUntil = 0;
		const attempts: number[] = [];
		const limiter: Fault = (call) => {
			attempts.push(Date.now());
			if (limitedUntil === 0) limitedUntil = Date.now() + 120_000;
			if (Date.now() >= limitedUntil) return ctx.server.refreshWith(call);
			ctx.inject();
			return new HttpResponse(null, {status: 429, headers: {'retry-after': String(Math.ceil((limitedUntil - Date.now()) / 1000))}});
		};
		useFakeClock();
		// 300 s leeway: the retry after the window still comes before the 3600 s token expires.
		const [a, b] = await ctx.tabs(2, {refreshLeewaySeconds: 300});
		await a!.setTokens(ctx.login({expires_in: 3600}));
		await vi.waitFor(() => expect(b!.state).toBe('signed-in'));
		for (let i = 0; i < 10; i++) ctx.server.respondNext(limiter);
		await step(3_269_000);
		expect(await until(() => ctx.server.refreshCalls.length >= 2, 1000)).toBe(true);
		// One attempt inside the window: the tab told to wait holds the other tab back too
		// (the Retry-After is kept with the stored session), and none tries again before it passed.
		const inWindow = attempts.filter((at) => at < limitedUntil);
		expect(inWindow).toHaveLength(1);
		expect(attempts.length).toBeGreaterThan(inWindow.length);
		expect(attempts[inWindow.length]).toBeGreaterThanOrEqual(limitedUntil);
		expect(await withClock(a!.getAccessToken())).toBe('at-2');
		expect(await withClock(b!.getAccessToken())).toBe('at-2');
	},
	'endpoint-503-rejected-token': async (ctx) => {
		const [a, b] = await twoSignedInTabs(ctx);
		ctx.server.respondNext(() => {
			ctx.inject();
			return new HttpResponse(null, {status: 503});
		});
		// The API answered 401 to at-1; replacing it fails for now.
		expect(await ctx.token(a, {rejectedToken: 'at-1'})).toBeInstanceOf(TransientRefreshError);
		window.dispatchEvent(new Event('online'));
		// Back online, the failed refresh is retried at once, and nobody is handed the rejected token again.
		await until(() => ctx.server.refreshCalls.length >= 2, 0, 1000);
		expect(await a.getAccessToken(), 'the token handed out after the network came back').not.toBe('at-1');
		expect(ctx.server.refreshCalls, 'refresh requests').toHaveLength(2);
		// The other tab holds the new token once a's broadcast has reached it (one message hop).
		await expect.poll(() => b.getAccessToken()).toBe('at-2');
	},
	'endpoint-connection-dropped': async (ctx) => refreshThroughFaults(ctx, times(3, () => HttpResponse.error())),
	'endpoint-html-200': async (ctx) => refreshThroughFaults(ctx, [() => new HttpResponse('<!doctype html><title>Sign in to the Wi-Fi</title>', {status: 200, headers: {'content-type': 'text/html'}})]),
	'endpoint-truncated-json': async (ctx) => refreshThroughFaults(ctx, [() => new HttpResponse('{"access_token":"at-truncated","token_type":"Bea', {status: 200, headers: {'content-type': 'application/json'}})]),
	'endpoint-mistyped-fields': async (ctx) => refreshThroughFaults(ctx, [() => HttpResponse.json({access_token: 12_345, token_type: 'Bearer', expires_in: '1h', refresh_token: {value: 'rt-mistyped'}})]),
	'endpoint-proto-keys': async (ctx) => {
		ctx.secret('at-from-proto', 'access token under __proto__');
		ctx.secret('rt-from-proto', 'refresh token under __proto__');
		await refreshThroughFaults(ctx, [() => new HttpResponse('{"__proto__":{"access_token":"at-from-proto","refresh_token":"rt-from-proto","polluted":true},"token_type":"Bearer"}', {status: 200, headers: {'content-type': 'application/json'}})]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(Object.prototype).not.toHaveProperty('access_token');
	},
	'endpoint-2mb-body': async (ctx) => {
		const huge = `at-huge-${'x'.repeat(2 * 1024 * 1024)}`;
		await refreshThroughFaults(ctx, [() => new HttpResponse(JSON.stringify({access_token: huge, token_type: 'Bearer', expires_in: 600, refresh_token: 'rt-huge'}), {status: 200, headers: {'content-type': 'application/json'}})]);
	},

	'time-server-clock-ahead': async (ctx) => serverClockSkew(ctx, 3600),
	'time-server-clock-behind': async (ctx) => serverClockSkew(ctx, -3600),
	'time-expired-on-arrival': async (ctx) => {
		const [a, b] = await ctx.tabs(2);
		const expired = jwt({sub: 'user', exp: nowSeconds() - 60});
		ctx.secret(expired, 'expired access token');
		ctx.inject();
		await a!.setTokens(ctx.login({access_token: expired, expires_in: undefined}));
		await vi.waitFor(() => expect(b!.state).toBe('signed-in'));
		expect(a!.session?.expiresAt).toBeLessThan(Date.now());
		const tokens = await Promise.all([a!.getAccessToken(), b!.getAccessToken(), a!.getAccessToken()]);
		expect(tokens).toEqual(['at-2', 'at-2', 'at-2']);
		expect(ctx.server.refreshCalls).toHaveLength(1);
	},
	'time-expires-in-zero': async (ctx) => {
		useFakeClock();
		ctx.server.expiresIn = 0;
		const [a, b] = await ctx.tabs(2);
		await a!.setTokens(ctx.login({expires_in: 0}));
		await vi.waitFor(() => expect(b!.state).toBe('signed-in'));
		// The app asks every 10 s in both tabs for a minute; every answer is a token.
		for (let i = 0; i < 6; i++) {
			ctx.inject();
			await step(10_000);
			for (const tab of [a!, b!]) expect(await withClock(tab.getAccessToken())).toMatch(/^at-\d+$/);
		}

		const afterCalls = ctx.server.refreshCalls.length;
		// Left alone for a minute: scheduled refreshes at most every 5 s per tab, no tight loop.
		for (let i = 0; i < 60; i++) await step(1000);
		expect(ctx.server.refreshCalls.length - afterCalls).toBeLessThanOrEqual(2 * 12 + 2);
		expect(afterCalls).toBeLessThanOrEqual(12 + 2 * 12 + 2);
	},

	'storage-no-indexeddb': async (ctx) => {
		vi.stubGlobal('indexedDB', undefined);
		ctx.inject();
		const [a] = await ctx.tabs(1);
		await a!.setTokens(ctx.login());
		let token = await a!.getAccessToken();
		for (let i = 0; i < 3; i++) {
			const next = await a!.getAccessToken({rejectedToken: token});
			expect(next).not.toBe(token);
			token = next;
		}

		expect(ctx.tracked[0]!.warnings).toEqual(['storage-unavailable']);
		expect(ctx.server.refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1', 'rt-2', 'rt-3']);
	},
	'storage-corrupt-record': async (ctx) => {
		await set('session', 'not a token-baton record', storeOf());
		ctx.inject();
		const [a] = await ctx.tabs(1);
		expect(a!.state).toBe('signed-out');
		expect(ctx.tracked[0]!.warnings).toEqual(['storage-discarded']);
		expect(await get('session', storeOf())).toBeUndefined();
		expect(ctx.server.refreshCalls).toHaveLength(0);
	},
	'storage-foreign-record': async (ctx) => {
		const other = ctx.tab({name: 'other'}, false);
		await other.setTokens(ctx.login());
		await set('session', await get('session', storeOf('other')), storeOf());
		await set('key', await get('key', storeOf('other')), storeOf());
		ctx.inject();
		const [a] = await ctx.tabs(1);
		expect(a!.state).toBe('signed-out');
		expect(ctx.tracked[1]!.warnings).toEqual(['storage-discarded']);
		expect(ctx.server.refreshCalls).toHaveLength(0);
	},
	'storage-key-deleted': async (ctx) => {
		const [a, b] = await twoSignedInTabs(ctx);
		await del('key', storeOf());
		ctx.inject();
		expect(await ctx.token(a, {rejectedToken: 'at-1'})).toBeInstanceOf(SignedOutError);
		await vi.waitFor(() => expect(b.state).toBe('signed-out'));
		expect(ctx.tracked[0]!.warnings).toEqual(['storage-discarded']);
		// The refresh token was never sent anywhere once its record could not be trusted.
		expect(ctx.server.refreshCalls).toHaveLength(0);
	},
	'storage-two-names': async (ctx) => {
		const a1 = ctx.tab({name: 'a'}, false);
		const a2 = ctx.tab({name: 'a'}, false);
		const [b1, b2] = await ctx.tabs(2, {name: 'b'});
		await Promise.all([a1.ready, a2.ready]);
		await a1.setTokens(ctx.login());
		await b1!.setTokens(ctx.login());
		await vi.waitFor(() => expect([a2.state, b2!.state]).toEqual(['signed-in', 'signed-in']));
		const bEvents = recordAll([b1!, b2!]);
		ctx.inject(2);
		expect(await a1.getAccessToken({rejectedToken: 'at-1'})).toBe('at-3');
		await vi.waitFor(async () => expect(await a2.getAccessToken()).toBe('at-3'));
		await a1.logout();
		await vi.waitFor(() => expect(a2.state).toBe('signed-out'));
		expect(ctx.tracked[1]!.signedOut).toEqual(['logout']);
		await expectUntouched([b1!, b2!], 'at-2', bEvents);
		expect(ctx.server.refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1']);
	},

	'hostile-malformed-messages': async (ctx) => {
		const tabs = await twoSignedInTabs(ctx);
		const events = recordAll(tabs);
		const messages: unknown[] = [
			null, 42, 'token-baton', [], {},
			{protocol: 'token-baton', from: 'x', type: 'signed-out', reason: 'logout'},
			{...envelope, v: 2, type: 'signed-out', reason: 'logout'},
			{...envelope, v: '1', type: 'signed-out', reason: 'logout'},
			{protocol: 'token-baton', v: 1, type: 'signed-out', reason: 'logout'},
			{...envelope, from: '', type: 'signed-out', reason: 'logout'},
			{...envelope, type: 'self-destruct'},
			{...envelope, type: 'signed-out', reason: 42},
			{...envelope, type: 'tokens', login: 'yes', gen: {sid: 's', n: 0}, tokens: {accessToken: 'at-malformed', expiresAt: Date.now() + 3_600_000}},
			{...envelope, type: 'tokens', login: true, gen: {sid: '', n: 0}, tokens: {accessToken: 'at-malformed', expiresAt: Date.now() + 3_600_000}},
		];
		ctx.secret('at-malformed', 'forged access token');
		ctx.inject(messages.length);
		post(messages);
		await expectUntouched(tabs, 'at-1', events);
	},
	'hostile-oversized-messages': async (ctx) => {
		const tabs = await twoSignedInTabs(ctx);
		const events = recordAll(tabs);
		const later = Date.now() + 3_600_000;
		const messages: unknown[] = [
			{...envelope, type: 'signed-out', reason: 'x'.repeat(8 * 1024 * 1024)},
			{...envelope, type: 'tokens', login: true, gen: {sid: 'huge', n: 0}, tokens: {accessToken: 'a'.repeat(70 * 1024), expiresAt: later}},
			{...envelope, from: 'f'.repeat(100 * 1024), type: 'signed-out', reason: 'logout'},
			{...envelope, type: 'token-request', id: 'i'.repeat(1024)},
			{...envelope, type: 'tokens', login: true, gen: {sid: 'huge', n: 0}, tokens: {accessToken: 'at-oversized', expiresAt: later, scope: 's'.repeat(70 * 1024)}},
		];
		ctx.secret('at-oversized', 'forged access token');
		ctx.inject(messages.length);
		post(messages);
		await expectUntouched(tabs, 'at-1', events);
	},
	'hostile-forged-messages': async (ctx) => {
		const [a, b] = await twoSignedInTabs(ctx);
		const {sid} = (await get<{sid: string}>('session', storeOf()))!;
		// Capture a real broadcast of the first rotation, to replay it after the second.
		const heard: unknown[] = [];
		const listener = new BroadcastChannel(CHANNEL);
		listener.onmessage = ({data}: MessageEvent<unknown>) => heard.push(data);
		expect(await a.getAccessToken({rejectedToken: 'at-1'})).toBe('at-2');
		await vi.waitFor(() => expect(heard.some((message) => (message as {type?: string}).type === 'tokens')).toBe(true));
		const firstRotation = heard.find((message) => (message as {type?: string}).type === 'tokens');
		listener.close();
		expect(await a.getAccessToken({rejectedToken: 'at-2'})).toBe('at-3');
		await vi.waitFor(async () => expect(await b.getAccessToken()).toBe('at-3'));
		const events = recordAll([a, b]);
		const later = Date.now() + 7_200_000;
		const forged = {accessToken: 'at-forged', expiresAt: later, refreshToken: 'rt-forged'};
		ctx.secret('at-forged', 'forged access token');
		ctx.secret('rt-forged', 'forged refresh token');
		const messages: unknown[] = [
			{...envelope, type: 'tokens', login: false, gen: {sid: 'another-session', n: 99}, tokens: forged},
			{...envelope, type: 'token-response', id: 'never-asked', gen: {sid, n: 9}, tokens: forged},
			firstRotation,
			{...envelope, type: 'tokens', login: false, gen: {sid, n: 2}, tokens: {accessToken: 'at-forged', expiresAt: Date.now() + 1000}},
			JSON.parse(`{"__proto__":{"login":false,"polluted":true,"tokens":{"accessToken":"at-forged"}},"protocol":"token-baton","v":1,"from":"intruder","type":"tokens","gen":{"sid":"${sid}","n":7}}`),
		];
		ctx.inject(messages.length);
		post(messages);
		await expectUntouched([a, b], 'at-3', events);
		expect(ctx.server.refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1', 'rt-2']);
	},
	'hostile-bad-options': async (ctx) => {
		const [a] = await ctx.tabs(1);
		await a!.setTokens(ctx.login());
		const events = recordAll([a!]);
		const valid = {tokenEndpoint: 'https://auth.example.test/oauth/token', clientId: 'spa'};
		const bad: unknown[] = [
			undefined,
			{},
			{tokenEndpoint: 'https://auth.example.test/oauth/token'},
			{...valid, tokenEndpoint: 'javascript:alert(document.cookie)'},
			{...valid, refreshLeewaySeconds: -1},
			{...valid, lockTimeoutSeconds: Number.POSITIVE_INFINITY},
			{...valid, apiOrigins: ['https://*.example.test']},
			{...valid, refreshParams: {refresh_token: 'rt-1'}},
			{...valid, name: 'n'.repeat(101)},
			{...valid, refreshLeeway: 30},
		];
		for (const options of bad) {
			ctx.inject();
			expect(() => createTokenManager(options as TokenManagerOptions)).toThrow(InvalidOptionError);
		}

		await settle();
		// Nothing was opened for them: no database besides the running session's.
		expect((await indexedDB.databases()).map((db) => db.name)).toEqual(['token-baton:default']);
		await expectUntouched([a!], 'at-1', events);
	},

	'lock-never-granted': async (ctx) => {
		const locks = installFakeWebLocks();
		const [a, b] = await twoSignedInTabs(ctx, {lockTimeoutSeconds: 0.3});
		const release = locks.hold('token-baton:default:refresh');
		ctx.inject();
		const started = performance.now();
		const results = await Promise.all([ctx.token(a, {rejectedToken: 'at-1'}), ctx.token(b, {rejectedToken: 'at-1'})]);
		const waited = performance.now() - started;
		for (const result of results) expect(result).toBeInstanceOf(LockTimeoutError);
		expect(waited).toBeGreaterThanOrEqual(290);
		expect(waited).toBeLessThan(3000);
		expect([a.state, b.state]).toEqual(['signed-in', 'signed-in']);
		expect(ctx.server.refreshCalls).toHaveLength(0);
		release();
		expect(await a.getAccessToken({rejectedToken: 'at-1'})).toBe('at-2');
		expect(await b.getAccessToken({rejectedToken: 'at-1'})).toBe('at-2');
		expect(ctx.server.refreshCalls).toHaveLength(1);
	},
};

/** A server clock off by `skewSeconds`: a JWT without expires_in, 600 s of life by its own iat/exp. */
async function serverClockSkew(ctx: UnitCase, skewSeconds: number): Promise<void> {
	useFakeClock();
	vi.spyOn(Math, 'random').mockReturnValue(0.5);
	const [a] = await ctx.tabs(1, {refreshLeewaySeconds: 60});
	const serverNow = nowSeconds() + skewSeconds;
	const token = jwt({sub: 'user', iat: serverNow, exp: serverNow + 600});
	ctx.secret(token, 'access token (JWT)');
	ctx.inject();
	await a!.setTokens(ctx.login({access_token: token, expires_in: undefined}));
	// Ten minutes from now on this machine's clock, whatever the server's says.
	expect(a!.session?.expiresAt).toBe(Date.now() + 600_000);
	await step(530_000);
	expect(ctx.server.refreshCalls).toHaveLength(0);
	// Due at 600 − 60 − 3 (jitter) s.
	await step(7_000);
	expect(await until(() => ctx.server.refreshCalls.length === 1 && a!.session!.expiresAt! > Date.now() + 3000_000, 100)).toBe(true);
	expect(await withClock(a!.getAccessToken())).toBe('at-2');
}

describe('fault matrix, unit layer', () => {
	for (const row of rowsOf('unit')) {
		test(row.name, async () => runCase(row, SCENARIOS[row.id]));
	}
});
