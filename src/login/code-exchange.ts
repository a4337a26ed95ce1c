/**
 * The code exchange (RFC 6749 §4.1.3 with the PKCE verifier) and the checks of its response,
 * ID token claims included, through oauth4webapi. Also the seam for DPoP (RFC 9449): a proof
 * source signs each attempt, and one `use_dpop_nonce` answer is retried with the server's nonce.
 */
import {
	allowInsecureRequests,
	authorizationCodeGrantRequest,
	clockSkew,
	customFetch,
	expectNoNonce,
	None,
	processAuthorizationCodeResponse,
	skipAuthTimeCheck,
	type AuthorizationServer,
	type Client,
	type TokenEndpointResponse,
} from 'oauth4webapi';
import {LoginError} from '../errors/login-error.js';
import {timeoutSignal} from '../utils/timeout.js';
import {toExchangeError} from './error-mapping.js';
import type {Flow} from './flow-store.js';
import type {ResolvedLoginOptions} from './options.js';
import {insecureAllowed} from './server-metadata.js';

/**
 * Makes the `DPoP` header for one request to the token endpoint: a proof signed with the key
 * the session will be bound to. `nonce` is the server's latest `DPoP-Nonce`, when it sent one.
 */
export type DpopProofSource = ((request: {method: 'POST'; url: string; nonce: string | undefined}) => Promise<string>) & {
	/** Hears every response, to keep the `DPoP-Nonce` it carries (servers send new ones on successes too). */
	seen?: (url: string, response: Response) => unknown;
};

/**
 * Exchange the code in `callback` (already validated by `validateAuthResponse`) and check the
 * response. Resolves with the token response JSON; rejects with a `LoginError`.
 */
export async function exchangeCode(
	metadata: AuthorizationServer,
	options: ResolvedLoginOptions,
	callback: URLSearchParams,
	flow: Flow,
	dpop: DpopProofSource | undefined,
): Promise<TokenEndpointResponse> {
	const client: Client = {client_id: options.clientId};
	const tokenUrl = new URL(String(metadata.token_endpoint));
	const timer = timeoutSignal(options.timeoutMs);
	let response: Response;
	try {
		response = await authorizationCodeGrantRequest(metadata, client, None(), callback, options.redirectUri, flow.verifier, {
			signal: timer.signal,
			[allowInsecureRequests]: insecureAllowed(tokenUrl, options),
			...(dpop ? {[customFetch]: withDpop(dpop)} : {}),
		});
	} catch (error) {
		throw new LoginError('exchange_failed', timer.timedOut() ? 'the token endpoint did not answer in time' : 'the token endpoint could not be reached', {cause: error});
	} finally {
		timer.clear();
	}

	const body = await peekJson(response);
	client[clockSkew] = serverClockSkew(body);
	try {
		return await processAuthorizationCodeResponse(metadata, client, response, {
			expectedNonce: flow.nonce ?? expectNoNonce,
			// An OpenID request must get an ID token back (Core §3.1.3.3); a plain OAuth one may not.
			requireIdToken: flow.nonce !== undefined,
			maxAge: flow.maxAge ?? skipAuthTimeCheck,
		});
	} catch (error) {
		throw toExchangeError(error);
	}
}

/**
 * Seconds to add to this machine's clock to get the server's, from the ID token's `iat`: the
 * token was issued a moment ago, for this flow's nonce. A laptop whose clock is an hour off
 * would otherwise see a fresh ID token as expired (servers like Keycloak issue 5-minute ones)
 * and could never log in. 0 when there is no readable `iat`; oauth4webapi then rejects a token
 * without one anyway.
 */
function serverClockSkew(body: unknown): number {
	const idToken = typeof body === 'object' && body !== null ? (body as {id_token?: unknown}).id_token : undefined;
	if (typeof idToken !== 'string') return 0;
	try {
		const payload = idToken.split('.')[1] ?? '';
		const json: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
		const iat = typeof json === 'object' && json !== null ? (json as {iat?: unknown}).iat : undefined;
		return typeof iat === 'number' && Number.isFinite(iat) ? Math.round(iat - Date.now() / 1000) : 0;
	} catch {
		return 0;
	}
}

/** The response body as JSON, read from a copy (oauth4webapi reads the original); undefined if it is not JSON. */
async function peekJson(response: Response): Promise<unknown> {
	try {
		return await response.clone().json();
	} catch {
		return undefined;
	}
}

/**
 * A fetch for oauth4webapi that adds a DPoP proof, and retries once when the server asks for a
 * nonce (RFC 9449 §8: 400 `use_dpop_nonce` with a `DPoP-Nonce` header). The code is not used up
 * by that answer, so the retry is safe.
 */
function withDpop(dpop: DpopProofSource) {
	return async (url: string, init: {method: string; headers: Record<string, string>; body: URLSearchParams; signal?: AbortSignal; redirect: 'manual'}): Promise<Response> => {
		const attempt = async (nonce: string | undefined) => {
			const response = await fetch(url, {...init, headers: {...init.headers, dpop: await dpop({method: 'POST', url, nonce})}});
			await dpop.seen?.(url, response);
			return response;
		};

		const first = await attempt(undefined);
		const nonce = first.headers.get('dpop-nonce');
		if (first.status !== 400 || !nonce) return first;
		const body: unknown = await first.clone().json().catch(() => undefined);
		const error = typeof body === 'object' && body !== null ? (body as {error?: unknown}).error : undefined;
		return error === 'use_dpop_nonce' ? attempt(nonce) : first;
	};
}
