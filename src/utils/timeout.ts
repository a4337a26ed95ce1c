/**
 * A signal that aborts when `parent` does or when `ms` pass, whichever comes first.
 * `timedOut()` tells the two apart. Call `clear()` when done so the timer does not linger.
 */
export function timeoutSignal(ms: number, parent?: AbortSignal): {signal: AbortSignal; timedOut: () => boolean; clear: () => void} {
	const controller = new AbortController();
	let timedOut = false;
	const onAbort = () => controller.abort(parent?.reason);
	const timer = setTimeout(() => {
		timedOut = true;
		controller.abort(new DOMException('timed out', 'TimeoutError'));
	}, ms);
	if (parent?.aborted) onAbort();
	else parent?.addEventListener('abort', onAbort, {once: true});
	return {
		signal: controller.signal,
		timedOut: () => timedOut,
		clear() {
			clearTimeout(timer);
			parent?.removeEventListener('abort', onAbort);
		},
	};
}
