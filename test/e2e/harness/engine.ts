/**
 * The engine-neutral browser API the browser tests use: a profile (one user's tabs sharing
 * IndexedDB, BroadcastChannel and Web Locks) opens pages; a page evaluates functions, reloads
 * and closes. One adapter per engine (engine-chromium.ts, engine-firefox.ts, engine-webkit.ts);
 * the vitest project picks the engine with TOKEN_BATON_ENGINE. Everything a test needs before
 * the page's own scripts run (no Web Locks, the fake clock, the fault-matrix hooks) is served
 * in the page itself (see init-scripts.ts), because WebDriver classic has no init scripts.
 */
import {existsSync} from 'node:fs';

export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINES)[number];

export type Cookie = {name: string; value: string};

/** One page (tab or window) of a profile. */
export interface EnginePage {
	/** Run `fn(arg)` in the page (a self-contained function: only its argument crosses) and return its JSON-like result. */
	evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
	goto(url: string): Promise<void>;
	reload(): Promise<void>;
	url(): Promise<string>;
	close(): Promise<void>;
	readonly closed: boolean;
}

/** One browser profile: its pages share storage, channels and locks like tabs of one user. */
export interface EngineProfile {
	newPage(): Promise<EnginePage>;
	/** The profile's cookies, as the browser (not the page script) sees them. */
	cookies(url: string): Promise<Cookie[]>;
	close(): Promise<void>;
}

export interface Engine {
	readonly name: EngineName;
	/** The browser's version as the running binary reports it. */
	readonly version: string;
	/** A fresh, empty profile. */
	newProfile(): Promise<EngineProfile>;
	/** A profile stored in `dir` on disk, or undefined where the engine keeps automated profiles in memory only. */
	persistentProfile(dir: string): Promise<EngineProfile | undefined>;
	close(): Promise<void>;
}

type Install = {binary: string; env: string; apt: string};

/** Where each engine's binaries come from: Debian packages, never a downloaded browser. */
export const INSTALLS: Record<EngineName, Install[]> = {
	chromium: [{binary: process.env.TOKEN_BATON_CHROMIUM ?? '/usr/bin/chromium', env: 'TOKEN_BATON_CHROMIUM', apt: 'chromium'}],
	firefox: [{binary: process.env.TOKEN_BATON_FIREFOX ?? '/usr/bin/firefox-esr', env: 'TOKEN_BATON_FIREFOX', apt: 'firefox-esr'}],
	webkit: [
		{binary: process.env.TOKEN_BATON_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver', env: 'TOKEN_BATON_WEBKIT_DRIVER', apt: 'webkit2gtk-driver'},
		{binary: process.env.TOKEN_BATON_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', env: 'TOKEN_BATON_MINIBROWSER', apt: 'webkit2gtk-driver'},
		{binary: '/usr/bin/Xvfb', env: '', apt: 'xvfb'},
	],
};

export function binaryOf(engine: EngineName, index = 0): string {
	return INSTALLS[engine][index]!.binary;
}

/** The engine this test process runs (the vitest project sets TOKEN_BATON_ENGINE). */
export function currentEngine(): EngineName {
	const name = process.env.TOKEN_BATON_ENGINE ?? 'chromium';
	if (!(ENGINES as readonly string[]).includes(name)) throw new Error(`TOKEN_BATON_ENGINE=${name}: expected one of ${ENGINES.join(', ')}`);
	return name as EngineName;
}

/** A missing browser fails the run with the command that installs it: never a silent skip. */
export function assertInstalled(engine: EngineName): void {
	const missing = INSTALLS[engine].filter((install) => !existsSync(install.binary));
	if (missing.length === 0) return;
	const packages = [...new Set(missing.map((install) => install.apt))].join(' ');
	const where = missing.map((install) => `${install.binary}${install.env ? ` (or set ${install.env})` : ''}`).join(', ');
	throw new Error(`The ${engine} engine is not installed: missing ${where}. Install it with: apt-get update && apt-get install -y ${packages}`);
}

export async function launchEngine(engine: EngineName = currentEngine()): Promise<Engine> {
	assertInstalled(engine);
	if (engine === 'chromium') return (await import('./engine-chromium.js')).launch();
	if (engine === 'firefox') return (await import('./engine-firefox.js')).launch();
	return (await import('./engine-webkit.js')).launch();
}

const UNDEFINED = '\u0000undefined';

/** An argument as JSON text that keeps `undefined` values (for drivers that cannot pass every object as it is). */
export function encodeArg(arg: unknown): string | null {
	return arg === undefined ? null : JSON.stringify(arg, (_key, value: unknown) => (value === undefined ? UNDEFINED : value));
}

/**
 * The source of a function body that returns `(json) => fn(decoded json)`, for drivers that
 * take script text (run it with `new Function(source)()`). Keys such as `__proto__` stay own
 * properties, as JSON.parse makes them.
 */
export function callSource(fn: (...args: never[]) => unknown): string {
	// Transpilers may wrap functions in a `__name(...)` helper that the page does not have.
	return `const __name = (f) => f;
const fn = (${fn.toString()});
const revive = (value) => {
	if (value === ${JSON.stringify(UNDEFINED)}) return undefined;
	if (value && typeof value === 'object') {
		for (const key of Object.keys(value)) {
			const inner = revive(value[key]);
			if (inner !== value[key]) Object.defineProperty(value, key, {value: inner, writable: true, enumerable: true, configurable: true});
		}
	}
	return value;
};
return (json) => fn(json === null || json === undefined ? undefined : revive(JSON.parse(json)));`;
}

export const delay = (ms: number) => new Promise<void>((resolve) => {
	setTimeout(resolve, ms);
});
