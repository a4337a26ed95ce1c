/**
 * The page API the interop tests use (a subset of Playwright's, which they were written
 * against), with an adapter for Firefox's puppeteer-core page. Chromium's Playwright page
 * passes through as it is. URL waits poll `page.url()`, the same in both.
 */
import type {BrowserContext as PuppeteerContext, HTTPRequest, Page as PuppeteerPage} from 'puppeteer-core';

export type SeenRequest = {url(): string; isNavigationRequest(): boolean};

export interface DemoPage {
	evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
	click(selector: string): Promise<void>;
	fill(selector: string, value: string): Promise<void>;
	waitForSelector(selector: string, options?: {state?: 'attached' | 'visible'}): Promise<unknown>;
	waitForFunction<A>(fn: (arg: A) => unknown, arg?: A, options?: {timeout?: number}): Promise<unknown>;
	waitForURL(matches: (url: URL) => boolean): Promise<void>;
	waitForRequest(matches: (request: SeenRequest) => boolean): Promise<SeenRequest>;
	goto(url: string): Promise<unknown>;
	reload(): Promise<unknown>;
	url(): string;
	isClosed(): boolean;
	isVisible(selector: string): Promise<boolean>;
	innerText(selector: string): Promise<string>;
	textContent(selector: string): Promise<string | null>;
	setViewportSize(size: {width: number; height: number}): Promise<void>;
	screenshot(options: {path: string; fullPage?: boolean}): Promise<unknown>;
}

/** Poll the page's URL until it matches (between navigations `url()` is the last committed one). */
export async function waitForUrl(page: {url(): string}, matches: (url: URL) => boolean, timeout = 15_000): Promise<void> {
	const until = Date.now() + timeout;
	while (!matches(new URL(page.url()))) {
		if (Date.now() > until) throw new Error(`URL ${page.url()} did not match within ${timeout} ms`);
		await new Promise((resolve) => {
			setTimeout(resolve, 25);
		});
	}
}

/** Playwright's `text=…` selectors in puppeteer's syntax. */
function selectorOf(selector: string): string {
	return selector.startsWith('text=') ? `::-p-text(${selector.slice('text='.length)})` : selector;
}

export class FirefoxDemoPage implements DemoPage {
	constructor(readonly page: PuppeteerPage) {}

	async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> {
		return (await this.page.evaluate(fn as never, arg as never)) as Awaited<R>;
	}

	/** The first match, once it is there (as Playwright's page.click). */
	async click(selector: string): Promise<void> {
		await this.page.waitForSelector(selectorOf(selector), {visible: true});
		await this.page.click(selectorOf(selector));
	}

	async fill(selector: string, value: string): Promise<void> {
		await this.page.locator(selectorOf(selector)).fill(value);
	}

	async waitForSelector(selector: string, options: {state?: 'attached' | 'visible'} = {}): Promise<unknown> {
		return this.page.waitForSelector(selectorOf(selector), {visible: options.state !== 'attached'});
	}

	async waitForFunction<A>(fn: (arg: A) => unknown, arg?: A, options: {timeout?: number} = {}): Promise<unknown> {
		return this.page.waitForFunction(fn as never, {timeout: options.timeout ?? 30_000, polling: 50}, arg as never);
	}

	/** Any main-frame navigation since the call that matches, or the current URL (a page may rewrite its URL at once). */
	async waitForURL(matches: (url: URL) => boolean): Promise<void> {
		let seen = false;
		const onNavigated = (frame: {url(): string}) => {
			if (frame === this.page.mainFrame() && matches(new URL(frame.url()))) seen = true;
		};
		this.page.on('framenavigated', onNavigated);
		try {
			await waitForUrl({url: () => (seen ? 'http://matched.invalid/' : this.page.url())}, (url) => url.hostname === 'matched.invalid' || matches(url));
		} finally {
			this.page.off('framenavigated', onNavigated);
		}
	}

	async waitForRequest(matches: (request: SeenRequest) => boolean): Promise<SeenRequest> {
		return this.page.waitForRequest((request: HTTPRequest) => matches(request));
	}

	async goto(url: string): Promise<unknown> {
		return this.page.goto(url);
	}

	async reload(): Promise<unknown> {
		return this.page.reload();
	}

	url(): string {
		return this.page.url();
	}

	isClosed(): boolean {
		return this.page.isClosed();
	}

	async isVisible(selector: string): Promise<boolean> {
		return this.page.evaluate((sel) => {
			const element = document.querySelector(sel);
			return element instanceof HTMLElement && element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
		}, selector);
	}

	async innerText(selector: string): Promise<string> {
		return this.page.evaluate((sel) => (document.querySelector(sel) as HTMLElement | null)?.innerText ?? '', selector);
	}

	async textContent(selector: string): Promise<string | null> {
		return this.page.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
	}

	async setViewportSize(size: {width: number; height: number}): Promise<void> {
		await this.page.setViewport(size);
	}

	async screenshot(options: {path: string; fullPage?: boolean}): Promise<unknown> {
		return this.page.screenshot({path: options.path as `${string}.png`, fullPage: options.fullPage ?? false});
	}
}

/** Firefox's pages of one browser context, with requests off 127.0.0.1 aborted (a closed network). */
export async function newFirefoxPage(context: PuppeteerContext, initScript: (() => void) | undefined, onError: (message: string) => void): Promise<FirefoxDemoPage> {
	const page = await context.newPage();
	page.on('pageerror', (error) => onError(error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
	await page.setRequestInterception(true);
	page.on('request', (request) => {
		if (request.isInterceptResolutionHandled()) return;
		if (new URL(request.url()).hostname === '127.0.0.1' || !request.url().startsWith('http')) void request.continue();
		else void request.abort();
	});
	if (initScript) await page.evaluateOnNewDocument(initScript);
	return new FirefoxDemoPage(page);
}
