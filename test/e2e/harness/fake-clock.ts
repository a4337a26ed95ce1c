/**
 * Runs in the page before its own scripts (served as the `clock` init script): a fake clock
 * like Playwright's `clock.install()`, for every engine. Time flows normally until the test
 * moves it: `fastForward(ms)` jumps ahead and fires each timer that fell due at most once
 * (a laptop lid opening); `setSystemTime(ms)` moves `Date.now()` only, firing nothing (a
 * clock change, or a sleep before the wake-up events). Timers run on the "ticks" clock, the
 * wall clock is ticks plus an offset; `performance.now()` follows the ticks.
 */
type Timer = {due: number; fn: () => void; realId: number; period?: number};

const RealDate = Date;
const realSetTimeout = window.setTimeout.bind(window) as (fn: () => void, ms: number) => number;
const realClearTimeout = window.clearTimeout.bind(window) as (id: number | undefined) => void;
const realPerformanceNow = performance.now.bind(performance);
let ticksOffset = 0;
let systemOffset = 0;
let nextId = 1_000_000;
const timers = new Map<number, Timer>();

const ticks = () => realPerformanceNow() + ticksOffset;
const wallNow = () => RealDate.now() + systemOffset;

class FakeDate extends RealDate {
	constructor(...args: unknown[]) {
		if (args.length === 0) super(wallNow());
		else super(...(args as [string]));
	}

	static override now(): number {
		return wallNow();
	}
}

function arm(id: number, timer: Timer): void {
	const wait = Math.max(0, timer.due - ticks());
	timer.realId = realSetTimeout(() => fire(id), wait);
}

function fire(id: number): void {
	const timer = timers.get(id);
	if (!timer) return;
	if (timer.period === undefined) timers.delete(id);
	else {
		timer.due = ticks() + timer.period;
		arm(id, timer);
	}

	timer.fn();
}

function schedule(handler: TimerHandler, ms: number | undefined, args: unknown[], repeat: boolean): number {
	const id = nextId++;
	const delay = Math.max(0, Number(ms) || 0);
	const fn = typeof handler === 'function' ? () => (handler as (...a: unknown[]) => void)(...args) : () => (0, eval)(handler);
	const timer: Timer = {due: ticks() + delay, fn, realId: 0, ...(repeat ? {period: Math.max(delay, 1)} : {})};
	timers.set(id, timer);
	arm(id, timer);
	return id;
}

function cancel(id: number | undefined): void {
	const timer = id === undefined ? undefined : timers.get(id);
	if (!timer) return realClearTimeout(id);
	realClearTimeout(timer.realId);
	timers.delete(id!);
}

const clock = {
	fastForward(ms: number): void {
		ticksOffset += ms;
		systemOffset += ms;
		// Re-arm every timer on the moved clock, the earliest first: the ones now due fire in the
		// next tasks, in order, once each (not inside this call: WebKit's WebDriver gives up on a
		// script that runs the app's timers synchronously).
		for (const [id, timer] of [...timers.entries()].sort((a, b) => a[1].due - b[1].due)) {
			realClearTimeout(timer.realId);
			arm(id, timer);
		}
	},
	setSystemTime(ms: number): void {
		systemOffset = ms - RealDate.now();
	},
};

Object.assign(window, {
	Date: FakeDate,
	setTimeout: (handler: TimerHandler, ms?: number, ...args: unknown[]) => schedule(handler, ms, args, false),
	setInterval: (handler: TimerHandler, ms?: number, ...args: unknown[]) => schedule(handler, ms, args, true),
	clearTimeout: cancel,
	clearInterval: cancel,
	__clock: clock,
});
performance.now = () => ticks();

export type FakeClock = typeof clock;
