/** What the fetch wrapper needs from the token manager. */
export type FetchAuthority = {
	isAllowedUrl(url: string | URL): boolean;
	/** `getAccessToken`, given up (rejecting with the reason) when `signal` aborts. */
	getAccessToken(rejectedToken: string | undefined, signal?: AbortSignal): Promise<string>;
	/** Told when a 401 could not be retried because the body was a stream. */
	onNotRetried(url: string): void;
};

/**
 * `fetch` with the bearer token: only for allowed origins, never for others (those are
 * passed to `fetch` untouched, without even looking at the token). A 401 gets exactly one
 * retry with a different token; a second 401 is the caller's.
 */
export async function authFetch(authority: FetchAuthority, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
	// A URL that does not parse is not allowed: fetch gets it untouched and reports the error.
	if (!authority.isAllowedUrl(input instanceof Request ? input.url : input)) return fetch(input, init);

	const request = new Request(input, init);
	// Init fields a Request does not keep (a runtime's own extensions) still reach fetch.
	const extra = unknownInitFields(init, request);
	// The caller's own Authorization header wins: send it as it is.
	if (request.headers.has('authorization')) return fetch(request, extra);

	// An aborted request must not start a refresh on its way out.
	request.signal.throwIfAborted();
	const token = await authority.getAccessToken(undefined, request.signal);
	// A stream given as the body can be read once only (cloning would buffer all of it); any
	// other body, including a Request's, is copied now for the retry.
	const replayable = !isStream(init?.body);
	const retry = replayable ? request.clone() : undefined;
	// The Request is ours (built above), so its headers may be changed in place.
	request.headers.set('authorization', `Bearer ${token}`);
	const response = await fetch(request, extra);
	if (response.status !== 401) return response;
	if (!retry) {
		authority.onNotRetried(request.url);
		// Not retried, but the token is known to be rejected: have a new one ready for the next request.
		authority.getAccessToken(token).catch(() => {});
		return response;
	}

	let fresh: string;
	try {
		fresh = await authority.getAccessToken(token, request.signal);
	} catch (error) {
		// Signed out or no new token to be had: the 401 is the honest answer, unless the caller aborted.
		if (request.signal.aborted) throw error;
		return response;
	}

	if (fresh === token) return response;
	// Not awaited: cancelling a body nobody reads may never settle.
	response.body?.cancel().catch(() => {});
	retry.headers.set('authorization', `Bearer ${fresh}`);
	return fetch(retry, extra);
}

function isStream(body: BodyInit | null | undefined): boolean {
	return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

function unknownInitFields(init: RequestInit | undefined, request: Request): RequestInit | undefined {
	if (!init) return undefined;
	const entries = (Object.entries(init) as Array<[string, unknown]>).filter(([key]) => !(key in request));
	return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
