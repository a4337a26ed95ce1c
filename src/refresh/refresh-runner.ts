import type {SessionControl} from '../core/session-control.js';
import type {TokenBatonError} from '../errors/token-baton-error.js';
import {TransientRefreshError} from '../errors/transient-refresh-error.js';
import {nextBackoff, type Backoff} from '../policy/backoff.js';
import {retryNow} from '../policy/schedule.js';
import type {TabExchange} from '../tabs/tab-exchange.js';
import {loadTokenClient} from './load-token-client.js';
import {abortable} from '../utils/abort.js';

/**
 * Runs this tab's refreshes: one at a time (single flight), with the backoff after a failure.
 * The refresh itself (asking the tabs, lock, double check, request, storage) is the token
 * endpoint client's `refresh` (src/refresh/refresh-flow.ts), loaded at the first refresh; a
 * client that fails to load fails the refresh like a network error.
 */
export type RefreshRunner = {
	/** The pending retry after a failed refresh, if any. */
	readonly backoff: Backoff | undefined;
	/** A refresh is running. */
	readonly refreshing: boolean;
	/**
	 * Start a refresh, or join the running one. A caller whose token was rejected and who
	 * joined a refresh that kept that token starts one more, once. Never rejects: failures
	 * are `error` events and a backoff.
	 */
	refresh(rejectedToken?: string): Promise<void>;
	/** New tokens arrived: any failure streak is over. */
	succeeded(): void;
	/** The session changed hands: forget the running refresh (its callers were released) and the backoff. */
	reset(): void;
	/** Back online: retry at once, unless a Retry-After says otherwise. */
	online(): void;
};

export function createRefreshRunner(control: SessionControl, exchange: TabExchange, onError: (error: TokenBatonError) => void): RefreshRunner {
	let running: Promise<void> | undefined;
	let backoff: Backoff | undefined;

	const run = async (rejectedToken: string | undefined, signal: AbortSignal) => {
		try {
			const client = await loadTokenClient().catch((cause: unknown) => {
				throw new TransientRefreshError('network', 'code not loaded', {cause});
			});
			await client.refresh(control, exchange, rejectedToken, signal);
			if (!signal.aborted) backoff = undefined;
		} catch (error) {
			if (signal.aborted) return;
			// The flow rejects with token-baton errors only (a bug is wrapped as RefreshFailedError).
			const failure = error as TokenBatonError;
			backoff = nextBackoff(backoff, failure, Date.now(), Math.random());
			if (failure instanceof TransientRefreshError) failure.retryAt = backoff.retryAt;
			onError(failure);
		}
	};

	const refresh = async (rejectedToken?: string): Promise<void> => {
		if (running) {
			await running;
			if (rejectedToken === undefined || control.session()?.accessToken !== rejectedToken) return;
			// Another caller may have started the extra refresh while this one was waking up.
			if (running) return running;
		}

		const signal = control.work();
		// Callers stop waiting as soon as the session changes; the request itself runs on, so
		// that a refresh token the server minted meanwhile can still be revoked.
		const shared: Promise<void> = abortable(run(rejectedToken, signal), signal).catch(() => {}).finally(() => {
			if (running !== shared) return;
			running = undefined;
			control.tick();
		});
		running = shared;
		return shared;
	};

	return {
		get backoff() {
			return backoff;
		},
		get refreshing() {
			return running !== undefined;
		},
		refresh,
		succeeded() {
			backoff = undefined;
		},
		reset() {
			running = backoff = undefined;
		},
		online() {
			if (backoff) backoff = retryNow(backoff, Date.now());
			control.tick();
		},
	};
}
