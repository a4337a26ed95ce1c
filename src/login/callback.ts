/**
 * The authorization response on the redirect page: recognising it, taking its flow, cleaning
 * the address bar, and the checks that come before the code exchange (`state`, RFC 9207 `iss`,
 * the server's `error`).
 */
import {validateAuthResponse, type AuthorizationServer} from 'oauth4webapi';
import {LoginError} from '../errors/login-error.js';
import {toAuthResponseError} from './error-mapping.js';
import {sweepFlows, takeFlow, type Flow} from './flow-store.js';

/** The response parameters the address bar loses once the callback is taken. */
const RESPONSE_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/**
 * The authorization response in `url`, when `url` is the redirect URI (same origin and path)
 * with a `code` or an `error`; otherwise undefined, and nothing is touched.
 */
export function readCallback(url: string | URL, redirectUri: string): URL | undefined {
	const response = new URL(url, typeof location === 'undefined' ? undefined : location.href);
	const expected = new URL(redirectUri);
	if (response.origin !== expected.origin || response.pathname !== expected.pathname) return undefined;
	const {searchParams} = response;
	return searchParams.has('code') || searchParams.has('error') ? response : undefined;
}

/**
 * Take the flow this response belongs to, synchronously (see `takeFlow`): from here on the
 * response can never be used a second time, whatever happens next.
 */
export function takeCallbackFlow(response: URL, now: number): Flow {
	const states = response.searchParams.getAll('state');
	const state = states[0];
	if (states.length !== 1 || !state) {
		throw new LoginError('state_mismatch', 'the response has no single state, so it cannot belong to a login started here');
	}

	const taken = takeFlow(state, now);
	// After taking this response's flow, so that an expired one is reported as expired.
	sweepFlows(now);
	if ('problem' in taken) {
		throw new LoginError(
			'unknown_flow',
			taken.problem === 'expired'
				? 'this login was started more than 10 minutes ago; start it again'
				: 'no login with this state is pending in this tab: it was already completed (a reload or the back button), or started in another tab or browser',
		);
	}

	return taken.flow;
}

/** The address of `response` without the response parameters. */
export function withoutResponseParams(response: URL): string {
	const clean = new URL(response.href);
	for (const name of RESPONSE_PARAMS) clean.searchParams.delete(name);
	return clean.href;
}

/** Remove the response parameters from the address bar when `response` is the current page. */
export function cleanAddressBar(response: URL): void {
	if (typeof location === 'undefined' || typeof history === 'undefined' || location.href !== response.href) return;
	// history.state is kept: a router may keep its own data there.
	history.replaceState(history.state, '', withoutResponseParams(response));
}

/**
 * Check the response against its flow and the server. `iss` is checked here first, so that a
 * mix-up is reported as such, even for an error response (RFC 9207 §2.4): an error from
 * another server must not pass for this one's. oauth4webapi then checks the rest and
 * returns the parameters its code exchange accepts.
 */
export function checkCallback(response: URL, flow: Flow, metadata: AuthorizationServer, clientId: string): URLSearchParams {
	const issuers = response.searchParams.getAll('iss');
	const iss = issuers[0];
	if (issuers.length > 1 || (iss === undefined ? metadata.authorization_response_iss_parameter_supported === true : iss !== metadata.issuer)) {
		throw new LoginError('iss_mismatch', iss === undefined ? 'the response lacks the iss parameter this server promises' : `the response comes from ${iss}, not ${metadata.issuer}`);
	}

	try {
		return validateAuthResponse(metadata, {client_id: clientId}, response.searchParams, flow.state);
	} catch (error) {
		throw toAuthResponseError(error);
	}
}
