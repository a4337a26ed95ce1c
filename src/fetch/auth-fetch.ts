import type {WarningCode} from '../types/events.js';
import {reportRejected, tokenForRequest, tokenForRetry, type TokenSource} from './retry-policy.js';

/**
 * `fetch` with the bearer token, for a URL the manager already found allowed. A 401 gets
 * exactly one retry with a different token (src/fetch/retry-policy.ts); a second 401 is the
 * caller's. `warn` hears of a 401 whose stream body could not be replayed.
 */
export async function authFetch(auth: TokenSource, input: RequestInfo | URL, init: RequestInit | undefined, warn: (code: WarningCode, message: string) => void): Promise<Response> {
	const request = new Request(input, init);
	// Init fields a Request does not keep (a runtime's own extensions) still reach fetch.
	const extra = unknownInitFields(init, request);
	// The caller's own Authorization header wins: send it as it is.
	if (request.headers.has('authorization')) return fetch(request, extra);

	const token = await tokenForRequest(auth, request.signal);
	// A stream given as the body can be read once only (cloning would buffer all of it); any
	// other body, including a Request's, is copied now for the retry.
	const retry = isStream(init?.body) ? undefined : request.clone();
	// The Request is ours (built above), so its headers may be changed in place.
	request.headers.set('authorization', `Bearer ${token}`);
	const response = await fetch(request, extra);
	if (response.status !== 401) return response;
	if (!retry) {
		warn('request-not-retried', `401 from ${request.url} not retried: stream body`);
		reportRejected(auth, token);
		return response;
	}

	const fresh = await tokenForRetry(auth, token, request.signal);
	if (fresh === undefined) return response;
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
