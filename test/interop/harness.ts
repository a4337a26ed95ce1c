/**
 * The interop tests' harness: the demo's servers (demo/server, on random ports), one browser
 * (Chromium through playwright-core or Firefox through puppeteer-core, per vitest project),
 * a fresh browser context per test (the tabs of one user), and the demo page driven through
 * its buttons, oidc-provider's own login, consent and logout pages, and `window.tokenBatonDemo`.
 * `useInterop()` registers the hooks; see test/interop/README.md.
 */
import {createHash} from 'node:crypto';
import type {Browser, BrowserContext, Page} from 'playwright-core';
import type {Browser as PuppeteerBrowser, BrowserContext as PuppeteerContext} from 'puppeteer-core';
import {afterAll, afterEach, beforeAll, expect} from 'vitest';
import type {ApiOutcome, LoginOutcome, RecordedEvent} from '../../demo/page/handle.js';
import {startDemo, type DemoServer, type DemoSettings, type StartOptions, type TokenRequestRecord} from '../../demo/server/index.mjs';
import {assertInstalled, currentEngine} from '../e2e/harness/engine.js';
import {launchChromium} from '../e2e/harness/engine-chromium.js';
import {launchFirefox} from '../e2e/harness/engine-firefox.js';
import {newFirefoxPage, type DemoPage} from './demo-page.js';

/** One tab of the demo page. */
export class DemoTab {
	/** `errors`: uncaught errors and unhandled rejections of the page, filled by the engine's listener. */
	constructor(readonly page: DemoPage, readonly label: string, private readonly demo: DemoServer, readonly errors: string[] = []) {}

	/** Wait until the page finished starting (after a login redirect: the code exchange too). */
	async initialized(): Promise<void> {
		await this.page.waitForFunction(() => window.tokenBatonDemo?.initialized === true, null, {timeout: 15_000});
	}

	async state(): Promise<string> {
		return this.page.evaluate(() => window.tokenBatonDemo?.auth.state ?? 'no page');
	}

	/** The state as the page shows it. */
	async shownState(): Promise<string> {
		return (await this.page.textContent('#state')) ?? '';
	}

	async events(): Promise<RecordedEvent[]> {
		return this.page.evaluate(() => window.tokenBatonDemo?.events ?? []);
	}

	async fingerprint(): Promise<string | undefined> {
		return this.page.evaluate(() => window.tokenBatonDemo?.tokenFingerprint);
	}

	/** How this page load's `handleCallback()` ended (undefined: the page was no callback). */
	async loginOutcome(): Promise<LoginOutcome | undefined> {
		return this.page.evaluate(() => window.tokenBatonDemo?.loginOutcome);
	}

	async callApi(via: 'ky' | 'fetch'): Promise<ApiOutcome> {
		return this.page.evaluate(async (how) => {
			const handle = window.tokenBatonDemo;
			if (!handle) throw new Error('demo page not started');
			return handle.callApi(how);
		}, via);
	}

	/** getAccessToken() as the app sees it: the error's name, or 'ok'. Never returns the token. */
	async tokenCall(): Promise<string> {
		return this.page.evaluate(async () => {
			const handle = window.tokenBatonDemo;
			if (!handle) throw new Error('demo page not started');
			try {
				await handle.auth.getAccessToken();
				return 'ok';
			} catch (error) {
				return error instanceof Error ? error.name : String(error);
			}
		});
	}

	async waitForState(state: string, timeout = 10_000): Promise<void> {
		await this.page.waitForFunction((wanted) => window.tokenBatonDemo?.auth.state === wanted, state, {timeout});
	}

	/** Click "Log in" and wait for oidc-provider's login form. */
	async startLogin(): Promise<void> {
		await this.page.click('#login');
		await this.page.waitForURL((url) => url.origin === this.demo.issuer && url.pathname.startsWith('/interaction/'));
		await this.page.waitForSelector('input[name="login"]');
	}

	/** Fill oidc-provider's development login form and consent as a user would; back on the page, started. */
	async signInAtServer(user = 'alice'): Promise<void> {
		await this.page.fill('input[name="login"]', user);
		await this.page.fill('input[name="password"]', 'any password');
		await this.page.click('button[type="submit"]');
		// Consent: the request had prompt=consent, which is what lets offline_access through.
		await this.page.waitForSelector('input[name="prompt"][value="consent"]', {state: 'attached'});
		await this.page.click('button[type="submit"]');
		await this.page.waitForURL((url) => url.origin === this.demo.pageOrigin);
		await this.initialized();
	}

	/** Log in through the demo's button and oidc-provider's login and consent forms. */
	async login(user = 'alice'): Promise<void> {
		await this.startLogin();
		await this.signInAtServer(user);
		await this.waitForState('signed-in');
	}
}

export type Interop = {
	readonly demo: DemoServer;
	readonly tabs: readonly DemoTab[];
	/** A fresh profile (empty IndexedDB and web storage, no locks, no channels) with these server settings. */
	newProfile(settings: Partial<DemoSettings>, options?: {slowChannel?: boolean}): Promise<void>;
	/** A new tab of the profile on the demo page, started. */
	openTab(): Promise<DemoTab>;
	/** Log in in a first tab, then open `count - 1` more tabs that find the session. */
	signedInTabs(count: number): Promise<DemoTab[]>;
};

/** Start the demo (with `options`, such as `{dpop: true}`) and Chromium for this test file; every test checks for page errors and SDK warnings. */
export function useInterop(options: StartOptions = {}): Interop {
	let demo: DemoServer | undefined;
	const engine = currentEngine();
	let browser: Browser | undefined;
	let context: BrowserContext | undefined;
	let firefox: PuppeteerBrowser | undefined;
	let firefoxContext: PuppeteerContext | undefined;
	let initScript: (() => void) | undefined;
	const tabs: DemoTab[] = [];

	beforeAll(async () => {
		if (engine === 'webkit') throw new Error('The interop tests run in Chromium and Firefox');
		assertInstalled(engine);
		demo = await startDemo(options);
		if (engine === 'firefox') firefox = await launchFirefox();
		else browser = await launchChromium();
	});

	afterAll(async () => {
		await browser?.close();
		await firefox?.close();
		await demo?.close();
	});

	afterEach(async () => {
		const errors = tabs.flatMap((tab) => tab.errors);
		// Against a healthy server nothing here should produce an SDK warning or a failed refresh.
		for (const tab of tabs) {
			if (tab.page.isClosed()) continue;
			const events = await tab.page.evaluate(() => window.tokenBatonDemo?.events ?? []).catch(() => []);
			for (const event of events) {
				if (event.name === 'warning' || event.name === 'error') errors.push(`${tab.label}: ${event.name} ${event.code ?? event.errorCode ?? ''}`);
			}
		}

		await context?.close();
		await firefoxContext?.close();
		context = undefined;
		firefoxContext = undefined;
		tabs.length = 0;
		// An uncaught error or unhandled rejection in any tab fails the test that caused it.
		expect(errors).toEqual([]);
	});

	const started = (): DemoServer => {
		if (!demo) throw new Error('the demo has not started');
		return demo;
	};

	const interop: Interop = {
		get demo() {
			return started();
		},
		tabs,
		async newProfile(settings, options = {}) {
			Object.assign(started().settings, {accessTokenTtl: 60, refreshLeewaySeconds: 10}, settings);
			started().clearRecords();
			initScript = options.slowChannel ? slowChannelScript : undefined;
			if (firefox) {
				firefoxContext = await firefox.createBrowserContext();
				return;
			}

			if (!browser) throw new Error('Chromium has not started');
			context = await browser.newContext();
			// Closed network: only the demo's servers. (oidc-provider's pages import a web font.)
			await context.route(
				(url) => url.hostname !== '127.0.0.1',
				(route) => route.abort(),
			);
			if (options.slowChannel) await context.addInitScript(slowChannelScript);
		},
		async openTab() {
			const label = `tab${tabs.length}`;
			const errors: string[] = [];
			const onError = (message: string) => errors.push(`${label}: ${message}`);
			let page: DemoPage;
			if (firefoxContext) {
				page = await newFirefoxPage(firefoxContext, initScript, onError);
			} else {
				if (!context) throw new Error('newProfile() first');
				const chromiumPage: Page = await context.newPage();
				chromiumPage.on('pageerror', (error) => onError(`${error.name}: ${error.message}`));
				// Playwright's page has every method of DemoPage (which was cut from its API).
				page = chromiumPage as unknown as DemoPage;
			}

			const tab = new DemoTab(page, label, started(), errors);
			tabs.push(tab);
			await tab.page.goto(started().pageUrl);
			await tab.initialized();
			return tab;
		},
		async signedInTabs(count) {
			const first = await interop.openTab();
			expect(await first.state()).toBe('signed-out');
			await first.login();
			for (let i = 1; i < count; i++) {
				const tab = await interop.openTab();
				await tab.waitForState('signed-in');
			}

			return [...tabs];
		},
	};
	return interop;
}

/**
 * Runs in every page before its own scripts: BroadcastChannel messages reach `onmessage`
 * handlers `window.tbChannelDelayMs` later (0 until a test sets it). Nothing orders a channel
 * message against a Web Lock grant in another tab; this makes the message lose that race
 * every time, as a busy or throttled tab sometimes does.
 */
function slowChannelScript(): void {
	const descriptor = Object.getOwnPropertyDescriptor(BroadcastChannel.prototype, 'onmessage');
	const get = descriptor?.get;
	const set = descriptor?.set;
	if (!get || !set) return;
	Object.defineProperty(BroadcastChannel.prototype, 'onmessage', {
		configurable: true,
		enumerable: true,
		get,
		set(this: BroadcastChannel, handler: unknown) {
			if (typeof handler !== 'function') {
				set.call(this, handler);
				return;
			}

			set.call(this, (event: MessageEvent) => {
				const delay = Number(Reflect.get(window, 'tbChannelDelayMs') ?? 0);
				if (delay > 0) setTimeout(() => handler.call(this, event), delay);
				else handler.call(this, event);
			});
		},
	});
}

export function refreshGrants(records: readonly TokenRequestRecord[]): TokenRequestRecord[] {
	return records.filter((record) => record.route === 'token' && record.grantType === 'refresh_token');
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

export function fingerprint(token: string): string {
	return createHash('sha256').update(token).digest('hex').slice(0, 8);
}
