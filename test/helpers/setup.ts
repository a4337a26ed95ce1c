import 'fake-indexeddb/auto';
import {IDBFactory} from 'fake-indexeddb';
import {afterEach, beforeEach, vi} from 'vitest';
import {installFakeWebLocks} from './fake-web-locks.js';

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
