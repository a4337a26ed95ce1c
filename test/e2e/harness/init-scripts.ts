/**
 * The scripts a test page runs before its own code, served by the test server as
 * `/init/<name>.js` and named in the page URL (`/?init=record,clock`): the same mechanism in
 * every engine, since WebDriver classic has no init scripts. Small ones are plain text; the
 * fake clock and the fault-matrix hooks are bundled from TypeScript by esbuild.
 */
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

export type InitScriptName = 'record' | 'no-web-locks' | 'no-broadcast-channel' | 'throwing-local-storage' | 'clock' | 'matrix';

const INLINE: Record<'record' | 'no-web-locks' | 'no-broadcast-channel' | 'throwing-local-storage', string> = {
	// Uncaught errors, unhandled rejections and console messages, read by the harness (no engine events needed).
	record: `(() => {
	const errors = []; const messages = [];
	Object.assign(window, {__pageErrors: errors, __console: messages});
	const text = (value) => value instanceof Error ? value.name + ': ' + value.message : String(value);
	window.addEventListener('error', (event) => errors.push(text(event.error ?? event.message)));
	window.addEventListener('unhandledrejection', (event) => errors.push(text(event.reason)));
	for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
		const original = console[level].bind(console);
		console[level] = (...args) => { messages.push(level + ': ' + args.map(text).join(' ')); original(...args); };
	}
})();`,
	// As in browsers without the Web Locks API: the property does not exist at all.
	'no-web-locks': `Reflect.deleteProperty(Navigator.prototype, 'locks');`,
	// As in browsers without BroadcastChannel; every localStorage write is recorded in window.__localStorageWrites.
	'no-broadcast-channel': `(() => {
	Reflect.deleteProperty(globalThis, 'BroadcastChannel');
	const writes = [];
	Object.assign(globalThis, {__localStorageWrites: writes});
	const setItem = Storage.prototype.setItem;
	Storage.prototype.setItem = function (key, value) { writes.push(key + '=' + value); setItem.call(this, key, value); };
})();`,
	// As in some privacy modes: every localStorage method (and length) throws a SecurityError.
	'throwing-local-storage': `(() => {
	const refuse = () => { throw new DOMException('The operation is insecure.', 'SecurityError'); };
	const storage = {getItem: refuse, setItem: refuse, removeItem: refuse, clear: refuse, key: refuse, get length() { return refuse(); }};
	Object.defineProperty(window, 'localStorage', {configurable: true, get: () => storage});
})();`,
};

async function bundle(file: string): Promise<string> {
	const result = await build({
		absWorkingDir: root,
		entryPoints: [join(here, file)],
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: 'es2020',
		write: false,
		sourcemap: false,
		logLevel: 'silent',
	});
	return result.outputFiles[0]!.text;
}

export async function buildInitScripts(): Promise<Map<string, string>> {
	const [clock, matrix] = await Promise.all([bundle('fake-clock.ts'), bundle('matrix-page.ts')]);
	return new Map([...Object.entries(INLINE), ['clock', clock], ['matrix', matrix]]);
}

/** The page URL that runs these init scripts (in this order) before the page's own code. */
export function withInitScripts(pageUrl: string, names: readonly InitScriptName[], params: Record<string, string> = {}): string {
	const url = new URL(pageUrl);
	url.searchParams.set('init', names.join(','));
	for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
	return url.href;
}
