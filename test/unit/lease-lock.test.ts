import {createStore, get, set} from 'idb-keyval';
import {describe, expect, test, vi} from 'vitest';
import {LockTimeoutError} from '../../src/index.js';
import {createRefreshLock} from '../../src/tabs/refresh-lock.js';
import {advance, settle, useFakeClock} from '../helpers/clock.js';
import {removeWebLocks} from '../helpers/fake-web-locks.js';

// The lease lock is what tabs without Web Locks use, through createRefreshLock (which bounds
// the wait). Here every caller is a tab: they share fake-indexeddb (fresh for each test), as
// the tabs of one origin share IndexedDB.
const NAME = 'token-baton:test:refresh';
const leases = () => createStore(NAME, 'lease');
const lease = async () => get<unknown>('lease', leases());

function lock<T>(task: () => Promise<T>, {timeoutMs = 5000, signal = new AbortController().signal} = {}): Promise<T> {
	removeWebLocks();
	return createRefreshLock(NAME, timeoutMs)(task, signal);
}

/** A task that runs until `finish()` is called; `started` resolves once it runs. */
function pendingTask() {
	let finish: () => void = () => {};
	let begin: () => void = () => {};
	const started = new Promise<void>((resolve) => {
		begin = resolve;
	});
	const task = async () => {
		begin();
		await new Promise<void>((resolve) => {
			finish = resolve;
		});
		return 'done';
	};
	return {task, started, finish: () => finish()};
}

const sleep = async (ms: number) => new Promise((resolve) => {
	setTimeout(resolve, ms);
});

describe('the IndexedDB lease lock', () => {
	test('concurrent callers run one at a time, each only after the previous one ended', async () => {
		const log: string[] = [];
		let running = 0;
		let most = 0;
		const results = await Promise.all(Array.from({length: 5}, async (_, index) => lock(async () => {
			running++;
			most = Math.max(most, running);
			log.push(`start ${index}`);
			await sleep(30);
			log.push(`end ${index}`);
			running--;
			return index;
		})));
		expect(results).toEqual([0, 1, 2, 3, 4]);
		expect(most).toBe(1);
		// Strictly alternating: no start between another task's start and end.
		for (let i = 0; i < log.length; i += 2) {
			expect(log[i]).toMatch(/^start (\d)$/);
			expect(log[i + 1]).toBe(log[i]!.replace('start', 'end'));
		}

		// Released: nothing is left behind.
		expect(await lease()).toBeUndefined();
	});

	test('a wait that outlasts the timeout rejects with LockTimeoutError, and the lock is usable once free', async () => {
		const holder = pendingTask();
		const held = lock(holder.task);
		await holder.started;
		const second = vi.fn(async () => 'second');
		const startedAt = Date.now();
		const error = await lock(second, {timeoutMs: 200}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(LockTimeoutError);
		expect(error).toMatchObject({code: 'ERR_LOCK_TIMEOUT', message: `lock "${NAME}" not granted within 200 ms`});
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
		expect(second).not.toHaveBeenCalled();
		// The holder was not disturbed.
		expect(await lease()).toMatchObject({owner: expect.any(String)});
		holder.finish();
		await expect(held).resolves.toBe('done');
		await expect(lock(second, {timeoutMs: 200})).resolves.toBe('second');
	});

	test('an abort while waiting rejects with the signal\'s reason; an aborted signal never waits', async () => {
		const holder = pendingTask();
		const held = lock(holder.task);
		await holder.started;
		const second = vi.fn(async () => 'second');
		const controller = new AbortController();
		const reason = new Error('the caller gave up');
		const waiting = lock(second, {signal: controller.signal});
		await sleep(50);
		controller.abort(reason);
		await expect(waiting).rejects.toBe(reason);
		await expect(lock(second, {signal: controller.signal})).rejects.toBe(reason);
		expect(second).not.toHaveBeenCalled();
		holder.finish();
		await held;
		// The aborted waiters left nothing behind that would hold up the next caller.
		expect(await lease()).toBeUndefined();
		await expect(lock(second, {timeoutMs: 200})).resolves.toBe('second');
	});

	test('the task\'s own error passes through, and the lock is released', async () => {
		const failure = new Error('refresh failed');
		await expect(lock(async () => {
			throw failure;
		})).rejects.toBe(failure);
		expect(await lease()).toBeUndefined();
		await expect(lock(async () => 'next', {timeoutMs: 200})).resolves.toBe('next');
	});

	test('a holder that vanished (crashed, closed) is replaced once its lease expires, not before', async () => {
		// A lease that already ran out: taken at once.
		await set('lease', {owner: 'crashed-tab', until: Date.now() - 1}, leases());
		await expect(lock(async () => 'taken', {timeoutMs: 200})).resolves.toBe('taken');
		// A lease that runs out in 300 ms and is never renewed: taken then.
		const until = Date.now() + 300;
		await set('lease', {owner: 'closed-tab', until}, leases());
		let startedAt = 0;
		// Not before the lease ends; and well before this wait's timeout, or it rejects.
		await lock(async () => {
			startedAt = Date.now();
		}, {timeoutMs: 1500});
		expect(startedAt).toBeGreaterThanOrEqual(until);
	});

	test.each([
		// Built when the test runs: a lease that simply expired would pass for the wrong reason.
		['not an object', () => 'garbage'],
		['null', () => null],
		['no owner', () => ({until: Date.now() + 2500})],
		['an owner that is not a string', () => ({owner: 42, until: Date.now() + 2500})],
		['an until that is not a number', () => ({owner: 'x', until: String(Date.now() + 2500)})],
		['an until of Infinity', () => ({owner: 'x', until: Number.POSITIVE_INFINITY})],
		['an until beyond any lease (hostile, or the clock went back)', () => ({owner: 'x', until: Date.now() + 3_600_000})],
	])('a malformed lease record (%s) counts as free: it cannot wedge the lock', async (_label, record) => {
		await set('lease', record(), leases());
		// Shorter than any of these records would last if taken for a lease: a wedge times out.
		await expect(lock(async () => 'ran', {timeoutMs: 500})).resolves.toBe('ran');
		expect(await lease()).toBeUndefined();
	});

	test('the holder renews its lease while a long task runs; the next caller gets in as soon as it ends', async () => {
		useFakeClock();
		const holder = pendingTask();
		const held = lock(holder.task);
		await settle();
		await holder.started;
		const first = await lease() as {owner: string; until: number};
		expect(first.until).toBe(Date.now() + 3000);
		const second = vi.fn(async () => 'second');
		const waiting = lock(second, {timeoutMs: 60_000});
		// 20 s: several times the lease. Renewed every second, it never runs out.
		for (let elapsed = 0; elapsed < 20_000; elapsed += 500) {
			await advance(500);
			const current = await lease() as {owner: string; until: number};
			expect(current.owner).toBe(first.owner);
			expect(current.until - Date.now()).toBeGreaterThan(1500);
		}

		expect(second).not.toHaveBeenCalled();
		holder.finish();
		await settle();
		// Waiters try again every 20–60 ms.
		await advance(60);
		expect(second).toHaveBeenCalledOnce();
		await expect(waiting).resolves.toBe('second');
		await expect(held).resolves.toBe('done');
	});

	test('a holder that stops renewing (frozen, crashed) is replaced after the lease, not before', async () => {
		useFakeClock();
		// Renewal is the interval timer: a frozen tab runs none of its timers.
		const setInterval = vi.spyOn(globalThis, 'setInterval').mockImplementation(() => 0 as unknown as ReturnType<typeof globalThis.setInterval>);
		const holder = pendingTask();
		void lock(holder.task);
		await settle();
		await holder.started;
		expect(setInterval).toHaveBeenCalled();
		const second = vi.fn(async () => 'second');
		const waiting = lock(second, {timeoutMs: 60_000});
		await advance(2900);
		expect(second).not.toHaveBeenCalled();
		await advance(200);
		expect(second).toHaveBeenCalledOnce();
		await expect(waiting).resolves.toBe('second');
	});

	test('a holder whose lease another tab took meanwhile leaves that tab\'s lease alone when it ends', async () => {
		const holder = pendingTask();
		const held = lock(holder.task);
		await holder.started;
		// What a holder frozen past its lease finds: another tab took the expired lease.
		const other = {owner: 'other-tab', until: Date.now() + 4000};
		await set('lease', other, leases());
		holder.finish();
		await expect(held).resolves.toBe('done');
		expect(await lease()).toEqual(other);
	});

	test('pagehide releases the lease at once, even while the task still runs', async () => {
		const holder = pendingTask();
		const held = lock(holder.task);
		await holder.started;
		window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}));
		await expect(lock(async () => 'next', {timeoutMs: 500})).resolves.toBe('next');
		holder.finish();
		await expect(held).resolves.toBe('done');
	});

	test('without a usable IndexedDB nothing can coordinate: the task runs anyway', async () => {
		vi.stubGlobal('indexedDB', undefined);
		await expect(lock(async () => 'ran', {timeoutMs: 200})).resolves.toBe('ran');
		vi.stubGlobal('indexedDB', {open: () => {
			throw new DOMException('blocked', 'SecurityError');
		}});
		await expect(lock(async () => 'ran too', {timeoutMs: 200})).resolves.toBe('ran too');
	});
});
