/** Chromium through playwright-core (Debian's `chromium`): contexts are profiles. */
import {chromium, type Browser, type BrowserContext, type Page} from 'playwright-core';
import {binaryOf, type Cookie, type Engine, type EnginePage, type EngineProfile} from './engine.js';

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

class ChromiumPage implements EnginePage {
	constructor(readonly page: Page) {}

	get closed(): boolean {
		return this.page.isClosed();
	}

	async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> {
		return (await this.page.evaluate(fn as never, arg as never)) as Awaited<R>;
	}

	async goto(url: string): Promise<void> {
		await this.page.goto(url);
	}

	async reload(): Promise<void> {
		await this.page.reload();
	}

	async url(): Promise<string> {
		return this.page.url();
	}

	async close(): Promise<void> {
		await this.page.close();
	}
}

class ChromiumProfile implements EngineProfile {
	constructor(readonly context: BrowserContext) {}

	async newPage(): Promise<EnginePage> {
		return new ChromiumPage(await this.context.newPage());
	}

	async cookies(url: string): Promise<Cookie[]> {
		return (await this.context.cookies(url)).map(({name, value}) => ({name, value}));
	}

	async close(): Promise<void> {
		await this.context.close();
	}
}

/** Playwright's own Browser, for code that drives Chromium directly. */
export async function launchChromium(): Promise<Browser> {
	return chromium.launch({executablePath: binaryOf('chromium'), headless: true, args: [...CHROMIUM_ARGS]});
}

export async function launch(): Promise<Engine> {
	const executablePath = binaryOf('chromium');
	const browser = await launchChromium();
	return {
		name: 'chromium',
		version: browser.version(),
		newProfile: async () => new ChromiumProfile(await browser.newContext()),
		persistentProfile: async (dir) => new ChromiumProfile(await chromium.launchPersistentContext(dir, {executablePath, headless: true, args: [...CHROMIUM_ARGS]})),
		close: async () => browser.close(),
	};
}
