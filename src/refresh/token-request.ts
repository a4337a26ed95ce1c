import {InvalidResponseError} from '../errors/invalid-response-error.js';
import {OAuthError} from '../errors/oauth-error.js';
import {TokenBatonError} from '../errors/token-baton-error.js';
import {TransientRefreshError} from '../errors/transient-refresh-error.js';
import type {ResolvedOptions} from '../core/options.js';
import {parseTokenResponse, type TokenSet} from '../tokens/token-set.js';
import {abortable} from '../utils/abort.js';
import {timeoutSignal} from '../utils/timeout.js';
import type {DpopClient} from '../dpop/dpop-client.js';
import {parseRetryAfter} from './retry-after.js';

/** What signs a refresh when `dpop` is on: the DPoP client and the key the session is bound to. */
export type DpopSigner = {client: DpopClient; key: CryptoKeyPair};

// Token responses are a few KB. Anything far larger is not one, and is not worth parsing.
const MAX_BODY_CHARS = 256 * 1024;

/**
 * Exchange a refresh token for new tokens: RFC 6749 §6 against `tokenEndpoint`, or the
 * app's own `refresh` function. Classifies the failures it knows as `OAuthError` (the
 * session must end), `TransientRefreshError` (no response, a timeout, 5xx, 429: retry
 * later) or `InvalidResponseError` (nothing usable came back). Anything else a `refresh`
 * function throws passes through as it is: it is not known to be transient. Rejects with the
 * abort reason when `signal` aborts (logout, destroy). With `dpop`, the request carries a
 * proof (sent again once with the server's nonce when it asks for one).
 */
export async function requestTokens(options: ResolvedOptions, refreshToken: string, signal: AbortSignal, dpop?: DpopSigner): Promise<TokenSet> {
	const sentAt = Date.now();
	const timeout = timeoutSignal(options.requestTimeoutSeconds * 1000, signal);
	try {
		const json = options.refresh
			? await abortable(callRefreshFunction(options.refresh, refreshToken, timeout.signal), timeout.signal)
			: await postRefreshGrant(options, refreshToken, timeout.signal, dpop);
		return parseTokenResponse(json, sentAt, options.dpop);
	} catch (error) {
		if (timeout.timedOut()) {
			throw new TransientRefreshError('timeout', `refresh timed out after ${options.requestTimeoutSeconds} s`, {cause: error});
		}

		throw signal.aborted ? signal.reason : error;
	} finally {
		timeout.clear();
	}
}

async function callRefreshFunction(refresh: NonNullable<ResolvedOptions['refresh']>, refreshToken: string, signal: AbortSignal): Promise<unknown> {
	return refresh(refreshToken, {signal});
}

async function postRefreshGrant(options: ResolvedOptions, refreshToken: string, signal: AbortSignal, dpop: DpopSigner | undefined): Promise<unknown> {
	const url = options.tokenEndpoint!;
	const body = new URLSearchParams({...options.refreshParams, grant_type: 'refresh_token', refresh_token: refreshToken});
	if (options.clientId !== undefined) body.set('client_id', options.clientId);
	const init = {
		method: 'POST',
		headers: {'content-type': 'application/x-www-form-urlencoded', accept: 'application/json'},
		body,
		signal,
		cache: 'no-store',
		// Public clients authenticate with client_id only; never send the app's cookies along.
		credentials: 'omit',
	} as const;
	const response = await overNetwork(dpop ? dpop.client.post(url, init, dpop.key) : fetch(url, init));
	const text = await readBody(response);
	if (response.ok) return parseJson(text);
	throw errorFor(response, text);
}

function errorFor(response: Response, text: string): TokenBatonError {
	const {status} = response;
	if (status === 408 || status === 429 || status >= 500) {
		const reason = status === 429 ? 'rate-limited' : 'server';
		const error = new TransientRefreshError(reason, `token endpoint: HTTP ${status}`, {status});
		const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
		if (retryAfterMs !== undefined) error.retryAt = Date.now() + retryAfterMs;
		return error;
	}

	const oauth = readOAuthError(text);
	if (oauth) return new OAuthError(oauth.error, {description: oauth.description, status});
	// A 4xx that is not an OAuth error (a proxy, a captive portal, a wrong URL): keep the session.
	return new InvalidResponseError(`token endpoint: HTTP ${status}, not an OAuth error`);
}

function readOAuthError(text: string): {error: string; description: string | undefined} | undefined {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return undefined;
	}

	if (typeof json !== 'object' || json === null) return undefined;
	const {error, error_description: description} = json as Record<string, unknown>;
	// RFC 6749 §5.2 restricts error codes to printable ASCII without quotes and backslashes.
	if (typeof error !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]{1,100}$/.test(error)) return undefined;
	return {error, description: typeof description === 'string' ? description.slice(0, 500) : undefined};
}

/** A request or a body read that fails leaves no answer to judge: that is the network failing, which passes. */
async function overNetwork<T>(pending: Promise<T>): Promise<T> {
	return pending.catch((cause: unknown) => {
		throw new TransientRefreshError('network', 'refresh request failed', {cause});
	});
}

async function readBody(response: Response): Promise<string> {
	const text = await overNetwork(response.text());
	if (text.length > MAX_BODY_CHARS) {
		throw new InvalidResponseError('token endpoint: response too large');
	}

	return text;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new InvalidResponseError('token endpoint: not JSON', {cause: error});
	}
}
