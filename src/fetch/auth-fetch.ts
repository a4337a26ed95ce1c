import {abortable} from '../utils/abort.js';
import {parseUrl} from './allowed-origin.js';

/** What the fetch wrapper needs from the token manager. */
export type FetchAuthority = {
	isAllowedUrl(url: string | URL): boolean;
	getAccessToken(options?: {rejectedToken?: string}): Promise<string>;
	/** Told when a 401 could not be retried because the body was a stream. */
	onNotRetried(url: string): void;
};

/**
 * `fetch` with the bearer token: only for allowed origins, never for others (those are
 * passed to `fetch` untouched, without even looking at the token). A 401 gets exactly one
 * retry with a different token; a second 401 is the caller's.
 */
export async function authFetch(authority: FetchAuthority, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
	const url = input instanceof Request ? input.url : parseUrl(input)?.href;
	if (url === undefined || !authority.isAllowedUrl(url)) return fetch(input, init);

	const request = new Request(input, init);
	// The caller's own Authorization header wins: send it as it is.
	if (request.headers.has('authorization')) return fetch(request);

	const token = await abortable(authority.getAccessToken(), request.signal);
	// A ReadableStream body can be read once only; any other body is copied now for the retry.
	const replayable = !(init?.body instanceof ReadableStream);
	const retry = replayable ? request.clone() : undefined;
	const response = await fetch(withToken(request, token));
	if (response.status !== 401) return response;
	if (!retry) {
		authority.onNotRetried(request.url);
		return response;
	}

	let fresh: string;
	try {
		fresh = await abortable(authority.getAccessToken({rejectedToken: token}), request.signal);
	} catch (error) {
		// Signed out or no new token to be had: the 401 is the honest answer, unless the caller aborted.
		if (request.signal.aborted) throw error;
		return response;
	}

	if (fresh === token) return response;
	await response.body?.cancel().catch(() => {});
	return fetch(withToken(retry, fresh));
}

function withToken(request: Request, token: string): Request {
	const headers = new Headers(request.headers);
	headers.set('authorization', `Bearer ${token}`);
	return new Request(request, {headers});
}
