/**
 * Timers run late after sleep and in throttled background tabs. These events mean the
 * page may have missed a deadline and should look at the clock again. Returns an
 * unsubscribe function; a no-op where there is no `window` (SSR).
 */
export function onWake(onWake: () => void, onOnline: () => void): () => void {
	if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
	const stop = new AbortController();
	const options = {signal: stop.signal};
	addEventListener('focus', onWake, options);
	addEventListener('pageshow', onWake, options);
	addEventListener('online', onOnline, options);
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'visible') onWake();
	}, options);
	return () => stop.abort();
}
