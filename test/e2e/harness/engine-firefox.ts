/**
 * Firefox (Debian's `firefox-esr`) through puppeteer-core over WebDriver BiDi, headless.
 * Browser contexts (BiDi user contexts) are profiles.
 */
import puppeteer, {type Browser, type BrowserContext, type Page} from 'puppeteer-core';
import {binaryOf, callSource, encodeArg, type Cookie, type Engine, type EnginePage, type EngineProfile} from './engine.js';

/** Preferences for a test browser: no background work, no timer throttling of tabs not in front. */
const PREFS: Record<string, unknown> = {
	'dom.min_background_timeout_value': 4,
	'dom.min_background_timeout_value_without_budget_throttling': 4,
	'dom.timeout.enable_budget_timer_throttling': false,
	'dom.timeout.throttling_delay': 0,
	'app.update.enabled': false,
	'browser.shell.checkDefaultBrowser': false,
	'datareporting.policy.dataSubmissionEnabled': false,
	'toolkit.telemetry.enabled': false,
};

class FirefoxPage implements EnginePage {
	#closed = false;

	constructor(readonly page: Page) {
		page.once('close', () => {
			this.#closed = true;
		});
	}

	get closed(): boolean {
		return this.#closed || this.page.isClosed();
	}

	async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> {
		// Arguments travel as JSON text: BiDi's own deserialization refuses objects with a `__proto__` key.
		const run = async (source: string, json: string | null) => (new Function(source)() as (json: string | null) => unknown)(json);
		return (await this.page.evaluate(run, callSource(fn), encodeArg(arg))) as Awaited<R>;
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
		this.#closed = true;
		await this.page.close();
	}
}

class FirefoxProfile implements EngineProfile {
	constructor(readonly context: BrowserContext, readonly onClose: () => Promise<void>) {}

	async newPage(): Promise<EnginePage> {
		return new FirefoxPage(await this.context.newPage());
	}

	async cookies(url: string): Promise<Cookie[]> {
		const host = new URL(url).hostname;
		const all = await this.context.cookies();
		return all.filter((cookie) => host.endsWith(cookie.domain.replace(/^\./, ''))).map(({name, value}) => ({name, value}));
	}

	async close(): Promise<void> {
		await this.onClose();
	}
}

/** puppeteer-core's own Browser, for code that drives Firefox directly (the interop tests). */
export async function launchFirefox(): Promise<Browser> {
	return puppeteer.launch({
		browser: 'firefox',
		executablePath: binaryOf('firefox'),
		headless: true,
		protocol: 'webDriverBiDi',
		extraPrefsFirefox: PREFS,
	});
}

export async function launch(): Promise<Engine> {
	const browser = await launchFirefox();
	const version = (await browser.version()).replace(/^firefox\//i, '');
	return {
		name: 'firefox',
		version,
		newProfile: async () => {
			const context = await browser.createBrowserContext();
			return new FirefoxProfile(context, async () => context.close());
		},
		// Firefox compresses IndexedDB values on disk (snappy): a clear-text token was not found
		// byte for byte in about half of our runs, so a search of the profile's bytes proves nothing here.
		persistentProfile: async () => undefined,
		close: async () => browser.close(),
	};
}
