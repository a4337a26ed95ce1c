/**
 * Timers run late after sleep and in throttled background tabs. These events mean the
 * page may have missed a deadline and should look at the clock again. Returns an
 * unsubscribe function; a no-op where there is no `window` (SSR).
 */
export function onWake(onWake: () => void, onOnline: () => void): () => void {
	if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
	const onVisibility = () => {
		if (document.visibilityState === 'visible') onWake();
	};

	window.addEventListener('focus', onWake);
	window.addEventListener('pageshow', onWake);
	window.addEventListener('online', onOnline);
	document.addEventListener('visibilitychange', onVisibility);
	return () => {
		window.removeEventListener('focus', onWake);
		window.removeEventListener('pageshow', onWake);
		window.removeEventListener('online', onOnline);
		document.removeEventListener('visibilitychange', onVisibility);
	};
}
