import 'fake-indexeddb/auto';
import {IDBFactory} from 'fake-indexeddb';
import {afterEach, beforeEach, vi} from 'vitest';
import {installFakeWebLocks} from './fake-web-locks.js';

beforeEach(() => {
	// A fresh IndexedDB per test: no session leaks from one test into the next.
	globalThis.indexedDB = new IDBFactory();
	installFakeWebLocks();
});

afterEach(() => {
	vi.useRealTimers();
});
