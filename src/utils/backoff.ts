const BASE_MS = 1000;
const CAP_MS = 60_000;
// Full jitter can draw a delay near zero; this keeps a failing server from being hammered.
const FLOOR_MS = 500;

/** Exponential backoff with full jitter: a random delay in [500 ms, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number): number {
	return Math.max(FLOOR_MS, Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt));
}
