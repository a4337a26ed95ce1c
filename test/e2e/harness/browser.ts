import {chromium, type Browser, type BrowserContext, type Page} from 'playwright-core';
import type {PageHarness} from './page.js';

/** The system Chromium (Debian's package); never a downloaded one. */
export const CHROMIUM_PATH = process.env.TOKEN_BATON_CHROMIUM ?? '/usr/bin/chromium';

/** The flags every test browser runs with (headless, root, closed network). */
export const CHROMIUM_ARGS: readonly string[] = [
	'--no-sandbox',
	'--disable-gpu',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	// Timers must run on time in every tab, including the ones not in front.
	'--disable-background-timer-throttling',
	'--disable-renderer-backgrounding',
];

export async function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: [...CHROMIUM_ARGS],
	});
}

type Method = keyof PageHarness;
type Args<M extends Method> = Parameters<PageHarness[M]>;
type Result<M extends Method> = Awaited<ReturnType<PageHarness[M]>>;

/** One page of the test origin, driven through `window.harness`. */
export class Tab {
	/** Uncaught errors and unhandled rejections in the page. */
	readonly pageErrors: string[] = [];

	constructor(readonly page: Page, readonly label: string) {
		page.on('pageerror', (error) => this.pageErrors.push(`${label}: ${error.name}: ${error.message}`));
	}

	/** Call `window.harness[method](...args)` in the page and return its (structured-cloned) result. */
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

	async close(): Promise<void> {
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
};

/**
 * Tabs of one browser profile: pages of one context share IndexedDB, BroadcastChannel and
 * Web Locks exactly like tabs of one origin do. A fresh context per test starts with empty
 * storage.
 */
export class TabGroup {
	readonly tabs: Tab[] = [];
	#opened = 0;

	private constructor(readonly context: BrowserContext, readonly pageUrl: string, readonly options: TabGroupOptions) {}

	static async create(browser: Browser, pageUrl: string, options: TabGroupOptions = {}): Promise<TabGroup> {
		const context = await browser.newContext();
		return new TabGroup(context, pageUrl, options);
	}

	/** Open a tab on the test page and wait until the harness is loaded. */
	async open(): Promise<Tab> {
		const page = await this.context.newPage();
		const tab = new Tab(page, `tab${this.#opened++}`);
		if (this.options.withoutWebLocks) {
			await page.addInitScript(() => {
				// As in browsers without the Web Locks API: the property does not exist at all.
				Reflect.deleteProperty(Navigator.prototype, 'locks');
			});
		}

		if (this.options.withoutBroadcastChannel) {
			await page.addInitScript(() => {
				Reflect.deleteProperty(globalThis, 'BroadcastChannel');
				const writes: string[] = [];
				Object.assign(globalThis, {__localStorageWrites: writes});
				const setItem = Storage.prototype.setItem;
				Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
					writes.push(`${key}=${value}`);
					setItem.call(this, key, value);
				};
			});
		}

		if (this.options.throwingLocalStorage) {
			await page.addInitScript(() => {
				const refuse = (): never => {
					throw new DOMException('The operation is insecure.', 'SecurityError');
				};

				const storage = {getItem: refuse, setItem: refuse, removeItem: refuse, clear: refuse, key: refuse, get length(): number {
					return refuse();
				}};
				Object.defineProperty(window, 'localStorage', {configurable: true, get: () => storage});
			});
		}

		await page.goto(this.pageUrl);
		await page.waitForFunction(() => 'harness' in window);
		this.tabs.push(tab);
		return tab;
	}

	async openMany(count: number): Promise<Tab[]> {
		const tabs: Tab[] = [];
		for (let i = 0; i < count; i++) tabs.push(await this.open());
		return tabs;
	}

	/** Every uncaught page error of every tab opened so far. */
	pageErrors(): string[] {
		return this.tabs.flatMap((tab) => tab.pageErrors);
	}

	async close(): Promise<void> {
		await this.context.close();
	}
}
