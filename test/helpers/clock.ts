import {vi} from 'vitest';

/**
 * Fake timers and a fake `Date`, leaving setImmediate real: fake-indexeddb schedules its
 * work with it, and IndexedDB must keep working while time stands still.
 */
export function useFakeClock(now = Date.UTC(2026, 10, 27, 12)): void {
	vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now});
}

/** Let pending promise chains and IndexedDB tasks settle without moving the fake clock. */
export async function settle(rounds = 20): Promise<void> {
	for (let i = 0; i < rounds; i++) {
		await new Promise<void>((resolve) => {
			setImmediate(resolve);
		});
	}
}

/** Move the fake clock by `ms`, running the timers that fall due and letting their work settle. */
export async function advance(ms: number): Promise<void> {
	await vi.advanceTimersByTimeAsync(ms);
	await settle();
}

/** Jump the wall clock without firing any timer: what a laptop lid closed for `ms` looks like. */
export function sleepMachine(ms: number): void {
	vi.setSystemTime(Date.now() + ms);
}
