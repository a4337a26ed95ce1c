/**
 * Login with the authorization code flow and PKCE (RFC 7636, S256), written with WebCrypto.
 * token-baton starts where this ends: the token endpoint's JSON goes to `auth.setTokens`.
 *
 * The code verifier and `state` wait in sessionStorage during the redirect (this tab only,
 * removed on return). They are one-time values, not tokens.
 */
import type {DemoConfig} from './handle.js';

/** The parts of the server's discovery document the page uses. */
export type ServerMetadata = {
	issuer: string;
	authorization_endpoint: string;
	token_endpoint: string;
	revocation_endpoint: string;
	authorization_response_iss_parameter_supported?: boolean;
};

const PENDING_KEY = 'token-baton-demo:pending-login';

export async function discover(issuer: string): Promise<ServerMetadata> {
	const response = await fetch(`${issuer}/.well-known/openid-configuration`);
	if (!response.ok) throw new Error(`discovery failed: HTTP ${response.status}`);
	const json: unknown = await response.json();
	if (!isRecord(json)) throw new Error('discovery: not a JSON object');
	const field = (name: string): string => {
		const value = json[name];
		if (typeof value !== 'string') throw new Error(`discovery: ${name} missing`);
		return value;
	};

	const metadata: ServerMetadata = {
		issuer: field('issuer'),
		authorization_endpoint: field('authorization_endpoint'),
		token_endpoint: field('token_endpoint'),
		revocation_endpoint: field('revocation_endpoint'),
		authorization_response_iss_parameter_supported: json.authorization_response_iss_parameter_supported === true,
	};
	// OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
	if (metadata.issuer !== issuer) throw new Error(`discovery: issuer mismatch (${metadata.issuer})`);
	return metadata;
}

/** The page's own URL is the redirect URI (registered as `${origin}/`). */
export function redirectUri(): string {
	return `${location.origin}/`;
}

/** Go to the authorization server. Resolves never: the page navigates away. */
export async function beginLogin(metadata: ServerMetadata, config: DemoConfig): Promise<void> {
	const verifier = randomString(32);
	const state = randomString(16);
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
	sessionStorage.setItem(PENDING_KEY, JSON.stringify({verifier, state}));
	const url = new URL(metadata.authorization_endpoint);
	url.search = new URLSearchParams({
		client_id: config.clientId,
		response_type: 'code',
		redirect_uri: redirectUri(),
		scope: config.scope,
		// RFC 8707: the access token is for this API (a JWT with this audience).
		resource: config.resource,
		// oidc-provider grants offline_access (so: a refresh token) only with prompt=consent.
		prompt: 'consent',
		state,
		code_challenge: base64url(new Uint8Array(digest)),
		code_challenge_method: 'S256',
	}).toString();
	location.assign(url.href);
}

export type Callback = {code: string; state: string; iss: string | null} | {error: string; description: string | null};

/** The authorization response in the current URL, if this page load is one. */
export function readCallback(): Callback | undefined {
	const params = new URLSearchParams(location.search);
	const error = params.get('error');
	if (error !== null) return {error, description: params.get('error_description')};
	const code = params.get('code');
	const state = params.get('state');
	if (code === null || state === null) return undefined;
	return {code, state, iss: params.get('iss')};
}

/**
 * Check the authorization response and exchange the code. Returns the token endpoint's raw
 * JSON, for `auth.setTokens`. Throws with a message that names what was wrong.
 */
export async function completeLogin(metadata: ServerMetadata, config: DemoConfig, callback: Extract<Callback, {code: string}>): Promise<unknown> {
	const pendingText = sessionStorage.getItem(PENDING_KEY);
	sessionStorage.removeItem(PENDING_KEY);
	const pending: unknown = pendingText === null ? undefined : JSON.parse(pendingText);
	if (!isRecord(pending) || typeof pending.verifier !== 'string' || typeof pending.state !== 'string') {
		throw new Error('no login was started in this tab (or it was already completed)');
	}

	if (callback.state !== pending.state) throw new Error('state mismatch: this response does not belong to the login started here');
	// RFC 9207: the response names its issuer, so a mix-up with another server is detected.
	if (metadata.authorization_response_iss_parameter_supported && callback.iss !== metadata.issuer) {
		throw new Error('iss mismatch: the response comes from another authorization server');
	}

	const response = await fetch(metadata.token_endpoint, {
		method: 'POST',
		headers: {'content-type': 'application/x-www-form-urlencoded'},
		body: new URLSearchParams({
			grant_type: 'authorization_code',
			code: callback.code,
			redirect_uri: redirectUri(),
			client_id: config.clientId,
			code_verifier: pending.verifier,
			resource: config.resource,
		}),
	});
	const json: unknown = await response.json().catch(() => undefined);
	if (!response.ok) {
		const error = isRecord(json) && typeof json.error === 'string' ? json.error : `HTTP ${response.status}`;
		throw new Error(`code exchange failed: ${error}`);
	}

	return json;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

function randomString(bytes: number): string {
	return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
