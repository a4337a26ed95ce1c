#!/usr/bin/env node
/**
 * `npm run demo`: bundles the page and starts the authorization server, the API and the page
 * on 127.0.0.1, then prints the URL to open. Ctrl+C stops everything.
 *
 * Environment (all optional):
 *   DEMO_PORT               page port (default 5173); the authorization server uses the next
 *                           port and the API the one after that
 *   DEMO_ACCESS_TOKEN_TTL   access-token lifetime in seconds (default 30)
 *   DEMO_REFRESH_LEEWAY     token-baton's refreshLeewaySeconds in the page (default 10)
 *   DEMO_DPOP               1 (default): DPoP-bound tokens (RFC 9449) with nonces; 0: bearer tokens
 */
import {DEFAULT_SETTINGS, startDemo} from './server/index.mjs';

function numberFromEnv(name, fallback, min) {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min) {
		console.error(`demo: ${name} must be an integer of at least ${min}, got "${raw}"`);
		process.exit(1);
	}

	return value;
}

const pagePort = numberFromEnv('DEMO_PORT', 5173, 1);
const accessTokenTtl = numberFromEnv('DEMO_ACCESS_TOKEN_TTL', DEFAULT_SETTINGS.accessTokenTtl, 2);
const refreshLeewaySeconds = numberFromEnv('DEMO_REFRESH_LEEWAY', DEFAULT_SETTINGS.refreshLeewaySeconds, 0);
const dpop = process.env.DEMO_DPOP !== '0';

let demo;
try {
	demo = await startDemo({pagePort, authPort: pagePort + 1, apiPort: pagePort + 2, accessTokenTtl, refreshLeewaySeconds, dpop});
} catch (error) {
	if (error && typeof error === 'object' && error.code === 'EADDRINUSE') {
		console.error(`demo: port ${error.port ?? ''} is in use. Pick other ports with DEMO_PORT=6173 npm run demo`);
	} else {
		console.error('demo: could not start:', error);
	}

	process.exit(1);
}

console.log(`
token-baton demo

  Open  ${demo.pageUrl}

  authorization server  ${demo.issuer}  (oidc-provider, login with any name and password)
  protected API         ${demo.apiOrigin}/me
  access tokens live ${accessTokenTtl} s; token-baton refreshes ${refreshLeewaySeconds} s (plus jitter) before expiry
  ${dpop ? 'DPoP on: tokens are bound to a key the page cannot export (DEMO_DPOP=0 for bearer tokens)' : 'DPoP off: bearer tokens'}

Ctrl+C to stop.`);

let stopping = false;
const stop = async () => {
	if (stopping) return;
	stopping = true;
	await demo.close();
	process.exit(0);
};

process.on('SIGINT', stop);
process.on('SIGTERM', stop);
