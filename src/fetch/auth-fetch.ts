import type {DpopClient} from '../dpop/dpop-client.js';
import type {WarningCode} from '../types/events.js';
import {reportRejected, tokenForRequest, tokenForRetry, type TokenSource} from './retry-policy.js';

/** What `authFetch` needs from the manager: tokens, and its DPoP client when `dpop` is on. */
export type FetchAuth = TokenSource & {_dpop?(): Promise<DpopClient> | false | undefined};

/**
 * `fetch` with the access token, for a URL the manager already found allowed. A 401 gets
 * exactly one retry with a different token (src/fetch/retry-policy.ts); a second 401 is the
 * caller's. With DPoP the token goes as `Authorization: DPoP …` with a fresh proof on every
 * attempt, and an answer asking for a nonce (`use_dpop_nonce`) is sent again once with it,
 * apart from the retry after a 401. `warn` hears of a retry a stream body did not allow.
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
	// other body, including a Request's, is copied now for the retries.
	const copy = isStream(init?.body) ? undefined : request.clone();
	const notRetried = (response: Response) => {
		warn('request-not-retried', `${response.status} from ${request.url} not retried: stream body`);
		return response;
	};

	let nonceRetried = false;
	// One attempt with `token` (the first one uses the Request built above, the others copies).
	const send = async (attempt: Request, sent: string): Promise<Response> => {
		if (!dpop) {
			// The Request is ours, so its headers may be changed in place.
			attempt.headers.set('authorization', `Bearer ${sent}`);
			return fetch(attempt, extra);
		}

		attempt.headers.set('authorization', `DPoP ${sent}`);
		attempt.headers.set('dpop', await dpop.proof(attempt.method, attempt.url, {accessToken: sent}));
		const response = await fetch(attempt, extra);
		if (!(await dpop.asksForNonce(attempt.url, response)) || nonceRetried) return response;
		if (!copy) return notRetried(response);
		nonceRetried = true;
		// Not awaited: cancelling a body nobody reads may never settle.
		response.body?.cancel().catch(() => {});
		return send(copy.clone(), sent);
	};

	const response = await send(copy ? copy.clone() : request, token);
	// A 401 that still asks for a nonce is the server's answer about nonces, not about the token.
	if (response.status !== 401 || dpop && await dpop.asksForNonce(request.url, response)) return response;
	if (!copy) {
		reportRejected(auth, token);
		return notRetried(response);
	}

	const fresh = await tokenForRetry(auth, token, request.signal);
	if (fresh === undefined) return response;
	response.body?.cancel().catch(() => {});
	return send(copy.clone(), fresh);
}

function isStream(body: BodyInit | null | undefined): boolean {
	return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

function unknownInitFields(init: RequestInit | undefined, request: Request): RequestInit | undefined {
	if (!init) return undefined;
	const entries = (Object.entries(init) as Array<[string, unknown]>).filter(([key]) => !(key in request));
	return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
