import type {TokenBatonError} from '../errors/token-baton-error.js';
import type {TransientRefreshError} from '../errors/transient-refresh-error.js';

const BASE_MS = 1000;
const CAP_MS = 60_000;
// Full jitter can draw a delay near zero; this keeps a failing server from being hammered.
const FLOOR_MS = 500;

/**
 * A failed refresh and when the next one may run. Until `retryAt`, explicit calls get
 * `error` instead of a request of their own when `holdsCallers` (no storm against a failing
 * server). `notBefore` is the server's Retry-After: no attempt before it, not even on `online`.
 */
export type Backoff = {attempt: number; retryAt: number; notBefore: number; error: TokenBatonError; holdsCallers: boolean};

/** Exponential backoff with full jitter: a delay in [500 ms, min(60 s, 1 s · 2^attempt)), `random` in [0, 1). */
export function backoffDelay(attempt: number, random: number): number {
	return Math.max(FLOOR_MS, random * Math.min(CAP_MS, BASE_MS * 2 ** attempt));
}

/**
 * The backoff after `error` ended a refresh attempt (an `OAuthError` never comes here: it ends
 * the session). Transient failures and unusable responses retry with growing delays, never
 * before a Retry-After. A lock timeout sent nothing, so callers may try the lock again at
 * once. A `RefreshFailedError` (a bug, not a condition that passes) is not retried on a
 * timer at all: the next caller that needs a token tries once more.
 */
export function nextBackoff(previous: Backoff | undefined, error: TokenBatonError, now: number, random: number): Backoff {
	const attempt = (previous?.attempt ?? 0) + 1;
	// By code: the decision needs none of the error classes themselves.
	const notBefore = (error as Partial<TransientRefreshError>).retryAt ?? now;
	if (error.code === 'ERR_REFRESH_FAILED') return {attempt, retryAt: Infinity, notBefore, error, holdsCallers: false};
	const retryAt = Math.max(now + backoffDelay(attempt, random), notBefore);
	return {attempt, retryAt, notBefore, error, holdsCallers: error.code !== 'ERR_LOCK_TIMEOUT'};
}
