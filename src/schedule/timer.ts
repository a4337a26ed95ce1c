// setTimeout fires at once for delays above 2^31−1 ms (about 24.8 days).
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Call `callback` at epoch time `at`. A delay beyond what setTimeout can hold is clamped
 * and re-armed, so a 30-day token does not refresh at once. Returns a cancel function.
 */
export function callAt(at: number, callback: () => void): () => void {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const arm = () => {
		const delay = at - Date.now();
		timer = delay > MAX_DELAY_MS
			? setTimeout(arm, MAX_DELAY_MS)
			: setTimeout(callback, Math.max(0, delay));
	};

	arm();
	return () => clearTimeout(timer);
}
