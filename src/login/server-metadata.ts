/**
 * The authorization server's metadata: discovered (OpenID Connect Discovery, or RFC 8414) or
 * built from explicit endpoints. Every endpoint must pass the same http(s) rule as the issuer,
 * since a discovery document can name any URL.
 */
import {allowInsecureRequests, discoveryRequest, processDiscoveryResponse, type AuthorizationServer} from 'oauth4webapi';
import {LoginError} from '../errors/login-error.js';
import {timeoutSignal} from '../utils/timeout.js';
import {isLoopback, type ResolvedLoginOptions} from './options.js';

/** Fetch (or build) the metadata; rejects with a `discovery_failed` `LoginError`. */
export async function loadMetadata(options: ResolvedLoginOptions): Promise<AuthorizationServer> {
	const {issuer, endpoints} = options;
	if (endpoints) {
		return {
			issuer,
			authorization_endpoint: endpoints.authorization,
			token_endpoint: endpoints.token,
			...(endpoints.endSession === undefined ? {} : {end_session_endpoint: endpoints.endSession}),
		};
	}

	const issuerUrl = new URL(issuer);
	const timer = timeoutSignal(options.timeoutMs);
	let metadata: AuthorizationServer;
	try {
		const response = await discoveryRequest(issuerUrl, {
			algorithm: options.discovery,
			signal: timer.signal,
			[allowInsecureRequests]: insecureAllowed(issuerUrl, options),
		});
		// Checks the status, the JSON and that the document names the issuer it was fetched for.
		metadata = await processDiscoveryResponse(issuerUrl, response);
	} catch (error) {
		const why = timer.timedOut() ? 'timed out' : error instanceof Error ? error.message : String(error);
		throw new LoginError('discovery_failed', `metadata of ${issuer}: ${why}`, {cause: error});
	} finally {
		timer.clear();
	}

	for (const name of ['authorization_endpoint', 'token_endpoint', 'end_session_endpoint'] as const) {
		const value = metadata[name];
		if (value === undefined && name === 'end_session_endpoint') continue;
		const url = typeof value === 'string' ? parseUrl(value) : undefined;
		if (!url || !/^https?:$/.test(url.protocol)) throw new LoginError('discovery_failed', `metadata of ${issuer}: no valid ${name}`);
		if (url.protocol === 'http:' && !insecureAllowed(url, options)) {
			throw new LoginError('discovery_failed', `metadata of ${issuer}: ${name} uses http: (only localhost, or dangerouslyAllowInsecureHttp)`);
		}
	}

	return metadata;
}

/**
 * Whether oauth4webapi may talk plain http to `url` (it refuses by default). Only ever for a URL
 * that passed the rule above: loopback, or the app's explicit opt-in.
 */
export function insecureAllowed(url: URL, options: Pick<ResolvedLoginOptions, 'allowHttp'>): boolean {
	return url.protocol === 'http:' && (options.allowHttp || isLoopback(url));
}

function parseUrl(value: string): URL | undefined {
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}
