import {delay, type Engine, type EnginePage, type EngineProfile} from './engine.js';
import type {FakeClock} from './fake-clock.js';
import {withInitScripts, type InitScriptName} from './init-scripts.js';
import type {PageHarness} from './page.js';

type Method = keyof PageHarness;
type Args<M extends Method> = Parameters<PageHarness[M]>;
type Result<M extends Method> = Awaited<ReturnType<PageHarness[M]>>;

export type WaitOptions = {timeout?: number; interval?: number};

type Recorded = {__pageErrors?: string[]; __console?: string[]};

/** One page of the test origin, driven through `window.harness`; the same in every engine. */
export class Tab {
	/** Uncaught errors and unhandled rejections, as of the last `collect()` (closing collects too). */
	readonly pageErrors: string[] = [];
	/** Console messages, as of the last `collect()`. */
	readonly console: string[] = [];

	constructor(readonly page: EnginePage, readonly label: string) {}

	get closed(): boolean {
		return this.page.closed;
	}

	/** Call `window.harness[method](...args)` in the page and return its result. */
	async call<M extends Method>(method: M, ...args: Args<M>): Promise<Result<M>> {
		const result: unknown = await this.page.evaluate(
			async ({method, args}) => {
				const fn = window.harness[method] as unknown as (...values: unknown[]) => unknown;
				return fn(...args);
			},
			{method, args: args as unknown[]},
		);
		return result as Result<M>;
	}

	async evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> {
		return this.page.evaluate(fn, arg);
	}

	/** Poll `fn(arg)` in the page until it is truthy. */
	async waitFor<A>(fn: (arg: A) => unknown, arg: A, {timeout = 5000, interval = 20}: WaitOptions = {}): Promise<void> {
		const until = Date.now() + timeout;
		for (;;) {
			if (await this.page.evaluate(fn, arg)) return;
			if (Date.now() > until) throw new Error(`${this.label}: condition not met within ${timeout} ms: ${fn.toString()}`);
			await delay(interval);
		}
	}

	async url(): Promise<string> {
		return this.page.url();
	}

	/** Read what the page recorded (errors, console) since it loaded. */
	async collect(): Promise<void> {
		if (this.page.closed) return;
		const recorded = await this.page.evaluate(() => {
			const w = window as unknown as Recorded;
			return {errors: w.__pageErrors ?? [], console: w.__console ?? []};
		}).catch(() => undefined);
		if (!recorded) return;
		this.pageErrors.splice(0, Infinity, ...recorded.errors.map((error) => `${this.label}: ${error}`));
		this.console.splice(0, Infinity, ...recorded.console);
	}

	async close(): Promise<void> {
		await this.collect();
		await this.page.close();
	}
}

export type TabGroupOptions = {
	/** Delete `navigator.locks` before any script runs: token-baton must use its fallback lock. */
	withoutWebLocks?: boolean;
	/**
	 * Delete `BroadcastChannel` before any script runs, as in browsers without it: token-baton
	 * must use its fallback transport (broadcast-channel). Every localStorage write is recorded
	 * in `window.__localStorageWrites`, so a test can prove that no token was ever written.
	 */
	withoutBroadcastChannel?: boolean;
	/** Make every localStorage method (and `length`) throw a SecurityError, as some privacy modes do. */
	throwingLocalStorage?: boolean;
	/** The fault-matrix hooks (matrix-page.ts) in every tab; `noIndexedDB` hides IndexedDB from the page. */
	matrix?: {noIndexedDB?: boolean};
	/** The fake clock (fake-clock.ts) in every tab; move it with `group.clock`. */
	clock?: boolean;
};

/**
 * Tabs of one browser profile: pages of one profile share IndexedDB, BroadcastChannel and
 * Web Locks exactly like tabs of one origin do. A fresh profile per test starts with empty
 * storage.
 */
export class TabGroup {
	readonly tabs: Tab[] = [];
	readonly pageUrl: string;
	#opened = 0;

	private constructor(readonly profile: EngineProfile, baseUrl: string, readonly options: TabGroupOptions) {
		const scripts: InitScriptName[] = ['record'];
		if (options.withoutWebLocks) scripts.push('no-web-locks');
		if (options.withoutBroadcastChannel) scripts.push('no-broadcast-channel');
		if (options.throwingLocalStorage) scripts.push('throwing-local-storage');
		if (options.clock) scripts.push('clock');
		if (options.matrix) scripts.push('matrix');
		this.pageUrl = withInitScripts(baseUrl, scripts, options.matrix?.noIndexedDB ? {noIndexedDB: '1'} : {});
	}

	static async create(engine: Engine, pageUrl: string, options: TabGroupOptions = {}): Promise<TabGroup> {
		return new TabGroup(await engine.newProfile(), pageUrl, options);
	}

	/** A group over a given profile (a persistent one, say). */
	static over(profile: EngineProfile, pageUrl: string, options: TabGroupOptions = {}): TabGroup {
		return new TabGroup(profile, pageUrl, options);
	}

	/** Open a tab on the test page and wait until the harness is loaded. */
	async open(): Promise<Tab> {
		const page = await this.profile.newPage();
		const tab = new Tab(page, `tab${this.#opened++}`);
		await page.goto(this.pageUrl);
		await tab.waitFor(() => 'harness' in window, undefined, {timeout: 15_000});
		this.tabs.push(tab);
		return tab;
	}

	async openMany(count: number): Promise<Tab[]> {
		const tabs: Tab[] = [];
		for (let i = 0; i < count; i++) tabs.push(await this.open());
		return tabs;
	}

	openTabs(): Tab[] {
		return this.tabs.filter((tab) => !tab.closed);
	}

	/** The fake clock of every open tab (needs `clock: true`), moved tab after tab. */
	readonly clock = {
		fastForward: async (ms: number) => this.#everyTab((arg) => (window as unknown as {__clock: FakeClock}).__clock.fastForward(arg), ms),
		setSystemTime: async (ms: number) => this.#everyTab((arg) => (window as unknown as {__clock: FakeClock}).__clock.setSystemTime(arg), ms),
	};

	/** Every uncaught page error of every tab opened so far. */
	async pageErrors(): Promise<string[]> {
		for (const tab of this.openTabs()) await tab.collect();
		return this.tabs.flatMap((tab) => tab.pageErrors);
	}

	async close(): Promise<void> {
		await this.profile.close();
	}

	async #everyTab(fn: (ms: number) => void, ms: number): Promise<void> {
		if (!this.options.clock) throw new Error('This group has no fake clock: create it with {clock: true}');
		for (const tab of this.openTabs()) await tab.evaluate(fn, ms);
	}
}
