/**
 * WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver (Debian `webkit2gtk-driver`), on
 * an Xvfb display this adapter starts (MiniBrowser has no headless mode). One WebDriver
 * session is one profile (its windows share storage, channels and locks; automation
 * sessions keep their data in memory, so each starts empty). Scripts run through
 * webdriver.ts: a call starts the function in the page and polls for its result, so that
 * calls in several tabs overlap, as they do in the other engines.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {createServer} from 'node:net';
import {binaryOf, callSource, delay, encodeArg, type Cookie, type Engine, type EnginePage, type EngineProfile} from './engine.js';
import {WebDriverSession} from './webdriver.js';

type Started = {ok: true; json?: string} | {ok: false; error: string} | {pending: true} | {lost: true};

const START = `
const [source, argJson, id] = arguments;
const fn = new Function(source)();
const store = window.__webdriverCalls ??= new Map();
const settle = (value) => ({ok: true, json: value === undefined ? undefined : JSON.stringify(value)});
const failure = (error) => ({ok: false, error: error instanceof Error ? error.name + ': ' + error.message : String(error)});
let result;
try { result = fn(argJson); } catch (error) { return failure(error); }
if (!result || typeof result.then !== 'function') return settle(result);
store.set(id, {pending: true});
result.then((value) => store.set(id, settle(value)), (error) => store.set(id, failure(error)));
return {pending: true};`;

const POLL = `
const store = window.__webdriverCalls;
const entry = store && store.get(arguments[0]);
if (!entry) return {lost: true};
if (!entry.pending) store.delete(arguments[0]);
return entry;`;

class WebKitPage implements EnginePage {
	closed = false;

	constructor(readonly session: WebDriverSession, readonly handle: string) {}

	async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>> {
		const id = randomUUID();
		let state = await this.#script<Started>(START, [callSource(fn), encodeArg(arg), id]);
		// Poll soon for short calls, less often for long ones: every poll holds the session's queue.
		for (let wait = 10; 'pending' in state; wait = Math.min(wait * 1.5, 80)) {
			await delay(wait);
			if (this.closed) throw new Error('Page closed while a call was running');
			state = await this.#script<Started>(POLL, [id]);
		}

		if ('lost' in state) throw new Error('The page navigated away while a call was running');
		if (!state.ok) throw new Error(state.error);
		return (state.json === undefined ? undefined : JSON.parse(state.json)) as Awaited<R>;
	}

	async goto(url: string): Promise<void> {
		await this.session.inWindow(this.handle, async () => this.session.send('POST', '/url', {url}));
	}

	async reload(): Promise<void> {
		await this.session.inWindow(this.handle, async () => this.session.send('POST', '/refresh'));
	}

	async url(): Promise<string> {
		return this.session.inWindow(this.handle, async () => this.session.send<string>('GET', '/url'));
	}

	async close(): Promise<void> {
		this.closed = true;
		await this.session.closeWindow(this.handle);
	}

	async #script<T>(script: string, args: Array<string | null>): Promise<T> {
		if (this.closed) throw new Error('Page closed');
		try {
			return await this.session.inWindow(this.handle, async () => this.session.send<T>('POST', '/execute/sync', {script, args}));
		} catch (error) {
			throw new Error(`${String(error)} (running ${(args[0] ?? '').slice(0, 300)})`);
		}
	}
}

class WebKitProfile implements EngineProfile {
	constructor(readonly session: WebDriverSession, readonly pages: WebKitPage[] = []) {}

	async newPage(): Promise<EnginePage> {
		const page = new WebKitPage(this.session, await this.session.newWindow());
		this.pages.push(page);
		return page;
	}

	async cookies(): Promise<Cookie[]> {
		const page = this.pages.find((p) => !p.closed);
		if (!page) return [];
		const cookies = await this.session.inWindow(page.handle, async () => this.session.send<Cookie[]>('GET', '/cookie'));
		return cookies.map(({name, value}) => ({name, value}));
	}

	async close(): Promise<void> {
		for (const page of this.pages) page.closed = true;
		await this.session.delete();
	}
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** Xvfb on a free display (it writes the display number to fd 3). */
async function startXvfb(): Promise<{process: ChildProcess; display: string}> {
	const xvfb = spawn(binaryOf('webkit', 2), ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {stdio: ['ignore', 'ignore', 'ignore', 'pipe']});
	const display = await new Promise<string>((resolve, reject) => {
		let text = '';
		xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
			text += chunk.toString();
			if (text.includes('\n')) resolve(`:${text.trim()}`);
		});
		xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it reported a display`)));
	});
	return {process: xvfb, display};
}

export async function launch(): Promise<Engine> {
	const children: ChildProcess[] = [];
	const stop = () => {
		for (const child of children.reverse()) child.kill();
	};
	process.once('exit', stop);
	const xvfb = await startXvfb();
	children.push(xvfb.process);
	const port = await freePort();
	// One session at a time; a new one replaces a session a failed test could not end.
	const driver = spawn(binaryOf('webkit', 0), [`--port=${port}`, '--replace-on-new-session'], {stdio: 'ignore', env: {...process.env, DISPLAY: xvfb.display}});
	children.push(driver);
	const base = `http://127.0.0.1:${port}`;
	for (let i = 0; ; i++) {
		const ready = await fetch(`${base}/status`).then((response) => response.ok, () => false);
		if (ready) break;
		if (i > 200) throw new Error(`WebKitWebDriver did not answer on ${base}`);
		await delay(50);
	}

	const capabilities = {'webkitgtk:browserOptions': {binary: binaryOf('webkit', 1), args: ['--automation']}};
	const newProfile = async () => {
		const session = await WebDriverSession.create(base, capabilities);
		return new WebKitProfile(session);
	};
	const probe = await WebDriverSession.create(base, capabilities);
	const version = String(probe.capabilities.browserVersion ?? 'unknown');
	await probe.delete();
	return {
		name: 'webkit',
		version,
		newProfile,
		// MiniBrowser's automation sessions keep website data in memory: there is no profile on disk.
		persistentProfile: async () => undefined,
		close: async () => {
			stop();
			process.off('exit', stop);
		},
	};
}
