import type {DpopClient} from '../dpop/dpop-client.js';
import type {WarningCode} from '../types/events.js';
import {reportRejected, tokenForRequest, tokenForRetry, type TokenSource} from './retry-policy.js';

/** What `authFetch` needs from the manager: tokens, and its DPoP client when `dpop` is on. */
export type FetchAuth = TokenSource & {_dpop?(): Promise<DpopClient> | false | undefined};

/**
 * `fetch` with the access token, for a URL the manager already found allowed. A 401 gets
 * exactly one retry with a different token (src/fetch/retry-policy.ts); a second 401 is the
 * caller's. With DPoP, each attempt goes through the DPoP client (`Authorization: DPoP`, a
 * proof, one more try when the server asks for a nonce); a 401 that asks for a nonce is not
 * about the token. `warn` hears of a 401 whose stream body could not be replayed.
 */
export async function authFetch(auth: FetchAuth, input: RequestInfo | URL, init: RequestInit | undefined, warn: (code: WarningCode, message: string) => void): Promise<Response> {
	const request = new Request(input, init);
	// Init fields a Request does not keep (a runtime's own extensions) still reach fetch.
	const extra = unknownInitFields(init, request);
	// The caller's own Authorization header wins: send it as it is.
	if (request.headers.has('authorization')) return fetch(request, extra);

	const dpop = await (auth._dpop?.() || undefined);
	const token = await tokenForRequest(auth, request.signal);
	// A stream given as the body can be read once only (cloning would buffer all of it); any
	// other body, including a Request's, is copied now for the retry.
	const retry = isStream(init?.body) ? undefined : request.clone();
	// The Requests are ours (built here), so their headers may be changed in place.
	const send = async (attempt: Request, sent: string) => {
		if (dpop) return dpop.request(attempt, sent, extra, retry && (() => retry.clone()));
		attempt.headers.set('authorization', `Bearer ${sent}`);
		return fetch(attempt, extra);
	};

	const response = await send(request, token);
	if (response.status !== 401 || dpop?.askedForNonce(response)) return response;
	if (!retry) {
		warn('request-not-retried', `401 from ${request.url} not retried: stream body`);
		reportRejected(auth, token);
		return response;
	}

	const fresh = await tokenForRetry(auth, token, request.signal);
	if (fresh === undefined) return response;
	// Not awaited: cancelling a body nobody reads may never settle.
	response.body?.cancel().catch(() => {});
	// A copy: with DPoP, a nonce retry of this attempt copies `retry` again.
	return send(retry.clone(), fresh);
}

function isStream(body: BodyInit | null | undefined): boolean {
	return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

function unknownInitFields(init: RequestInit | undefined, request: Request): RequestInit | undefined {
	if (!init) return undefined;
	const entries = (Object.entries(init) as Array<[string, unknown]>).filter(([key]) => !(key in request));
	return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
