import 'fake-indexeddb/auto';
import {IDBFactory} from 'fake-indexeddb';
import {afterEach, beforeEach, vi} from 'vitest';
import {installFakeWebLocks} from './fake-web-locks.js';

// token-baton loads some of its code with import(). Under vitest, the first import() of a
// module goes through the module loader and takes real time, which settle() (a count of
// event-loop turns) cannot bound. Loaded here, every later import() resolves from the
// cache, as it does in an app after first use. test/e2e loads the real chunks in Chromium.
if (typeof window !== 'undefined') {
	await Promise.all([
		import('../../src/refresh/token-client.js'),
		import('../../src/refresh/revoke.js'),
		import('../../src/fetch/auth-fetch.js'),
		import('../../src/tabs/lease-lock.js'),
		import('../../src/tabs/fallback-channel.js'),
	]);
}

beforeEach(() => {
	// Only for browser-like environments: the SSR test runs in plain Node on purpose.
	if (typeof window === 'undefined') return;
	// A fresh IndexedDB per test: no session leaks from one test into the next.
	globalThis.indexedDB = new IDBFactory();
	installFakeWebLocks();
});

afterEach(() => {
	vi.useRealTimers();
});
