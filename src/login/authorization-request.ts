/**
 * The authorization request: a fresh flow (PKCE S256 verifier, `state`, and a `nonce` when the
 * scope asks for an ID token) and the URL of the authorization endpoint that starts it.
 */
import {calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomNonce, generateRandomState, type AuthorizationServer} from 'oauth4webapi';
import {InvalidOptionError} from '../errors/invalid-option-error.js';
import type {Flow} from './flow-store.js';
import type {AuthorizationParams, ResolvedLoginOptions} from './options.js';

/** The flow to keep, and where to send the browser. */
export type AuthorizationRequest = {flow: Flow; url: URL};

/**
 * Build the request. `params` are the call's, already checked; they win over the option's.
 * `returnTo` is checked here: it must stay on this page's origin.
 */
export async function createAuthorizationRequest(
	metadata: AuthorizationServer,
	options: ResolvedLoginOptions,
	call: {params: AuthorizationParams; returnTo: string | undefined},
	now: number,
): Promise<AuthorizationRequest> {
	const params: AuthorizationParams = {scope: options.scope, ...options.params, ...call.params};
	const scope = typeof params.scope === 'string' ? params.scope : options.scope;
	const verifier = generateRandomCodeVerifier();
	const flow: Flow = {verifier, state: generateRandomState(), returnTo: sameOriginPath(call.returnTo), createdAt: now};
	// OpenID Connect: a nonce binds the ID token to this very flow (Core §3.1.2.1).
	if (scope.split(' ').includes('openid')) flow.nonce = generateRandomNonce();
	const maxAge = params.max_age;
	if (typeof maxAge === 'string') {
		if (!/^\d+$/.test(maxAge)) throw new InvalidOptionError('params.max_age', 'must be a number of seconds');
		flow.maxAge = Number(maxAge);
	}

	const url = new URL(String(metadata.authorization_endpoint));
	for (const [name, value] of Object.entries(params)) {
		url.searchParams.delete(name);
		for (const entry of typeof value === 'string' ? [value] : value) url.searchParams.append(name, entry);
	}

	const own: Record<string, string> = {
		client_id: options.clientId,
		redirect_uri: options.redirectUri,
		response_type: 'code',
		state: flow.state,
		code_challenge: await calculatePKCECodeChallenge(verifier),
		code_challenge_method: 'S256',
	};
	if (flow.nonce !== undefined) own.nonce = flow.nonce;
	for (const [name, value] of Object.entries(own)) url.searchParams.set(name, value);
	return {flow, url};
}

/**
 * `returnTo` as a path of this page's origin (default: the current page). An absolute URL of
 * another origin, or `//host/…`, is refused: the value often comes from a query parameter, and
 * following it would make the callback page an open redirect.
 */
function sameOriginPath(returnTo: string | undefined): string {
	const here = typeof location === 'undefined' ? undefined : location;
	if (returnTo === undefined) return here ? here.pathname + here.search + here.hash : '/';
	const base = here?.origin ?? 'http://origin.invalid';
	let url: URL | undefined;
	try {
		url = new URL(returnTo, base);
	} catch {
		url = undefined;
	}

	if (!url || url.origin !== new URL(base).origin) throw new InvalidOptionError('returnTo', 'must be a path or URL of this page\'s origin');
	return url.pathname + url.search + url.hash;
}
