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

	const listeners: Array<[EventTarget, string, () => void]> = [
		[window, 'focus', onWake],
		[window, 'pageshow', onWake],
		[window, 'online', onOnline],
		[document, 'visibilitychange', onVisibility],
	];
	for (const [target, type, listener] of listeners) target.addEventListener(type, listener);
	return () => {
		for (const [target, type, listener] of listeners) target.removeEventListener(type, listener);
	};
}
