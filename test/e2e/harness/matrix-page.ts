/**
 * Runs in the page before any page script (the `matrix` init script, see init-scripts.ts):
 * the fault-matrix tests' hooks into a tab, beside `window.harness` (page.ts).
 *
 * - Freezing: BroadcastChannel is wrapped so that a tab can drop every incoming message
 *   while `state.dropMessages` is set: what a frozen tab, a tab in the back/forward cache or
 *   a sleeping laptop misses (CDP's frozen lifecycle state has no effect in headless Chromium).
 * - Quota: IDBObjectStore#put throws QuotaExceededError while `state.quota` is set.
 * - No IndexedDB: with `?noIndexedDB=1` in the page URL, `indexedDB` is undefined for the
 *   page (the original stays reachable here, so the leak scan can still read storage).
 * - It records uncaught errors and unhandled rejections, and (after `watch(id)`) every
 *   `warning` and `error` message of a manager, for the leak checks.
 * - `scan()` returns every place a token might end up in: web storage, cookies, URL, history
 *   state, the recorded messages, and the raw bytes of every IndexedDB value.
 * - `kyGet` / `fetchUrl` call a URL through token-baton/ky and auth.fetch.
 */
import ky from 'ky';
import {withAuth} from '../../../src/ky.js';

export type MatrixConfig = {noIndexedDB?: boolean};

export type MatrixState = {
	dropMessages: boolean;
	dropped: number;
	quota: boolean;
	quotaErrors: number;
	messages: string[];
	uncaught: string[];
};

export type CallOutcome = {ok: true; status: number} | {ok: false; error: string};

export type StoredRecordView = {
	keys: string[];
	/** Field names of the session record, sorted. */
	fields: string[];
	record: Record<string, string | number | null> | undefined;
	ivLength: number | undefined;
	dataLength: number | undefined;
	key: {type: string; extractable: boolean; algorithm: string; usages: string[]} | undefined;
	/** How exporting the key failed, or 'exported' (which must not happen). */
	exportKey: string;
	/** The sealed bytes as Latin-1 text, to search for the token. */
	sealedText: string;
};

const config: MatrixConfig = {noIndexedDB: new URLSearchParams(location.search).get('noIndexedDB') === '1'};
const realIndexedDB = window.indexedDB;
const state: MatrixState = {dropMessages: false, dropped: 0, quota: false, quotaErrors: 0, messages: [], uncaught: []};

const describe = (value: unknown): string => (value instanceof Error ? `${value.name}: ${value.message}` : String(value));
window.addEventListener('error', (event) => state.uncaught.push(`error: ${event.message}`));
window.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => state.uncaught.push(`unhandledrejection: ${describe(event.reason)}`));

const NativeChannel = window.BroadcastChannel;
window.BroadcastChannel = class extends NativeChannel {
	constructor(name: string) {
		super(name);
		// Registered before any listener of the page: a dropped message reaches none of them.
		this.addEventListener('message', (event) => {
			if (!state.dropMessages) return;
			state.dropped++;
			event.stopImmediatePropagation();
		}, {capture: true});
	}
};

const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey): IDBRequest<IDBValidKey> {
	if (state.quota) {
		state.quotaErrors++;
		throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
	}

	return put.call(this, value, key);
};

if (config.noIndexedDB) Object.defineProperty(window, 'indexedDB', {value: undefined, configurable: true});

function request<T>(req: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
}

async function openDatabase(name: string): Promise<IDBDatabase> {
	const req = realIndexedDB.open(name);
	// Never create a database here: a missing one stays missing.
	req.onupgradeneeded = () => req.transaction?.abort();
	return request(req);
}

/** Strings as they are, bytes as Latin-1 characters, a CryptoKey by its properties. */
function rawText(value: unknown): string {
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (value instanceof ArrayBuffer) return latin1(new Uint8Array(value));
	if (ArrayBuffer.isView(value)) return latin1(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
	if (value instanceof CryptoKey) return `CryptoKey ${value.type} ${value.algorithm.name} extractable=${value.extractable}`;
	if (Array.isArray(value)) return value.map(rawText).join('\n');
	if (value && typeof value === 'object') return Object.entries(value).map(([key, inner]) => `${key}=${rawText(inner)}`).join('\n');
	return '';
}

function latin1(bytes: Uint8Array): string {
	let text = '';
	for (const byte of bytes) text += String.fromCharCode(byte);
	return text;
}

async function outcome(call: () => Promise<Response>): Promise<CallOutcome> {
	try {
		const response = await call();
		await response.arrayBuffer();
		return {ok: true, status: response.status};
	} catch (error) {
		state.messages.push(`rejection: ${describe(error)}`);
		return {ok: false, error: describe(error)};
	}
}

const matrix = {
	state,

	/** Record every `warning` and `error` message of manager `id` (window.harness). */
	watch(id: string): void {
		const auth = window.harness.manager(id);
		auth.on('warning', ({code, message, error}) => state.messages.push(`warning ${code}: ${message}${error ? ` (${describe(error)})` : ''}`));
		auth.on('error', ({error}) => state.messages.push(`error: ${describe(error)}${error.cause === undefined ? '' : ` (${describe(error.cause)})`}`));
	},

	/** A rejection of getAccessToken, as the app would log it. */
	noteRejection(message: string): void {
		state.messages.push(`rejection: ${message}`);
	},

	fetchUrl(id: string, url: string): Promise<CallOutcome> {
		return outcome(() => window.harness.manager(id).fetch(url));
	},

	kyGet(id: string, url: string): Promise<CallOutcome> {
		const api = withAuth(window.harness.manager(id), ky);
		return outcome(() => api.get(url, {retry: 0, throwHttpErrors: false}));
	},

	/** Resolves once manager `id` has emitted `count` token events in all (or rejects after `timeoutMs`). */
	waitForTokens(id: string, count: number, timeoutMs: number): Promise<void> {
		const seen = () => window.harness.events(id).filter((event) => event.name === 'token').length;
		if (seen() >= count) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const auth = window.harness.manager(id);
			const timer = setTimeout(() => {
				off();
				reject(new Error(`${seen()} token events, expected ${count}`));
			}, timeoutMs);
			const off = auth.on('token', () => {
				// The harness's own listener came first: this event is counted already.
				if (seen() < count) return;
				clearTimeout(timer);
				off();
				resolve();
			});
		});
	},

	/** Freeze (or put in the back/forward cache): drop every incoming channel message from now on. */
	freeze(): void {
		state.dropMessages = true;
	},

	/** Thaw as Chromium does after a freeze: `resume`, then `visibilitychange`. */
	resume(): void {
		state.dropMessages = false;
		document.dispatchEvent(new Event('resume'));
		document.dispatchEvent(new Event('visibilitychange'));
	},

	enterBackForwardCache(): void {
		state.dropMessages = true;
		window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}));
	},

	restoreFromBackForwardCache(): void {
		state.dropMessages = false;
		window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}));
	},

	/** A laptop lid opened: the page becomes visible and focused again. */
	wake(): void {
		document.dispatchEvent(new Event('visibilitychange'));
		window.dispatchEvent(new Event('focus'));
	},

	online(): void {
		window.dispatchEvent(new Event('online'));
	},

	/** Delete a database as another tab would; resolves with the events seen. */
	deleteDatabase(name: string): Promise<string[]> {
		return new Promise((resolve) => {
			const seen: string[] = [];
			const req = realIndexedDB.deleteDatabase(name);
			req.onblocked = () => seen.push('blocked');
			req.onsuccess = () => resolve([...seen, 'success']);
			req.onerror = () => resolve([...seen, `error: ${describe(req.error)}`]);
		});
	},

	/** The session record and key of database `name`, as stored. */
	async readRecord(name: string): Promise<StoredRecordView> {
		const db = await openDatabase(name);
		try {
			const store = db.transaction('session', 'readonly').objectStore('session');
			const keys = (await request(store.getAllKeys())).map(String).sort();
			const record = await request(store.get('session')) as Record<string, unknown> | undefined;
			const key = await request(store.get('key')) as unknown;
			const view: StoredRecordView = {
				keys,
				fields: Object.keys(record ?? {}).sort(),
				record: undefined,
				ivLength: undefined,
				dataLength: undefined,
				key: undefined,
				exportKey: 'no key',
				sealedText: '',
			};
			if (record) {
				view.record = {};
				for (const [field, value] of Object.entries(record)) {
					if (typeof value === 'string' || typeof value === 'number' || value === null) view.record[field] = value;
				}

				if (record.iv instanceof Uint8Array) view.ivLength = record.iv.byteLength;
				if (record.data instanceof ArrayBuffer) {
					view.dataLength = record.data.byteLength;
					view.sealedText = latin1(new Uint8Array(record.data));
				}
			}

			if (key instanceof CryptoKey) {
				view.key = {type: key.type, extractable: key.extractable, algorithm: key.algorithm.name, usages: [...key.usages].sort()};
				view.exportKey = await crypto.subtle.exportKey('raw', key).then(() => 'exported', (error: unknown) => describe(error));
			}

			return view;
		} finally {
			db.close();
		}
	},

	/** Every place in this tab a token could end up in, as text (place → text); IndexedDB is shared by the tabs, so optional. */
	async scan(includeIndexedDB = true): Promise<Record<string, string>> {
		const out: Record<string, string> = {
			localStorage: JSON.stringify(Object.entries(localStorage)),
			sessionStorage: JSON.stringify(Object.entries(sessionStorage)),
			'document.cookie': document.cookie,
			'location.href': location.href,
			'history.state': JSON.stringify(history.state) ?? '',
			'event, error and rejection messages': state.messages.join('\n'),
			'uncaught errors': state.uncaught.join('\n'),
		};
		const databases = includeIndexedDB ? await realIndexedDB.databases() : [];
		for (const {name} of databases) {
			if (!name) continue;
			const db = await openDatabase(name);
			try {
				for (const storeName of Array.from(db.objectStoreNames)) {
					const store = db.transaction(storeName, 'readonly').objectStore(storeName);
					const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
					out[`IndexedDB ${name}/${storeName}`] = rawText([keys, values]);
				}
			} finally {
				db.close();
			}
		}

		return out;
	},
};

export type MatrixPage = typeof matrix;

declare global {
	interface Window {
		matrix: MatrixPage;
	}
}

window.matrix = matrix;
