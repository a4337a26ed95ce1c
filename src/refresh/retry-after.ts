// A server asking for more than this is treated as asking for this much: a broken or
// hostile header must not freeze refreshing for days while the session silently expires.
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** RFC 9110 §10.2.3 `Retry-After` (delay-seconds or HTTP-date) as milliseconds from `now`. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
	if (header === null) return undefined;
	const value = header.trim();
	let ms: number;
	if (/^\d+$/.test(value)) {
		ms = Number(value) * 1000;
	} else {
		const date = Date.parse(value);
		if (Number.isNaN(date)) return undefined;
		ms = date - now;
	}

	return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
