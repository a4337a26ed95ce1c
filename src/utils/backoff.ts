const BASE_MS = 1000;
const CAP_MS = 60_000;

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number): number {
	return Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt);
}
