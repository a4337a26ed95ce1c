import {dpopError} from '../dpop/dpop-failure.js';
import {InvalidResponseError} from '../errors/invalid-response-error.js';
import {readTimeClaims} from './jwt-claims.js';

/** A validated token response, with times converted to this machine's clock (epoch ms). */
export type TokenSet = {
	accessToken: string;
	/** When the access token expires by the local clock; undefined when nothing says. */
	expiresAt: number | undefined;
	/** Present when the server rotated (or first issued) the refresh token. */
	refreshToken: string | undefined;
	/** When the refresh token expires by the local clock, when the server said. */
	refreshExpiresAt: number | undefined;
	scope: string | undefined;
	idToken: string | undefined;
};

// Bounds that keep a hostile or broken response from filling memory or a header.
const MAX_TOKEN_LENGTH = 64 * 1024;
// A header value must not carry whitespace or control characters (header injection).
const TOKEN_PATTERN = /^[\x21-\x7E]+$/;

/**
 * Validate the JSON a token endpoint returned (RFC 6749 §5.1) and convert lifetimes to
 * local epoch milliseconds. `receivedAt` is the local time the request was sent: counting
 * from there never overestimates the lifetime, and server clocks cannot skew it. With `dpop`
 * (the option is on) the `token_type` must be `DPoP` (else `DpopError('not-bound')`); without
 * it, `Bearer` or none.
 */
export function parseTokenResponse(json: unknown, receivedAt: number, dpop = false): TokenSet {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) {
		throw new InvalidResponseError('token response: not an object');
	}

	const body = json as Record<string, unknown>;
	const accessToken = tokenField(body, 'access_token');
	if (!accessToken) throw new InvalidResponseError('token response: no access_token');

	const tokenType = body.token_type;
	const type = typeof tokenType === 'string' ? tokenType.toLowerCase() : tokenType;
	// A token bound to a key must not go out as a bearer token, nor a bearer token with a proof.
	if (dpop && type !== 'dpop') throw dpopError('not-bound');
	if (!dpop && type !== undefined && type !== 'bearer') throw new InvalidResponseError('token response: token_type is not Bearer');

	const expiresIn = seconds(body, 'expires_in');
	const refreshExpiresIn = seconds(body, 'refresh_expires_in') ?? seconds(body, 'refresh_token_expires_in');
	return {
		accessToken,
		expiresAt: expiresIn === undefined ? expiryFromJwt(accessToken, receivedAt) : receivedAt + expiresIn * 1000,
		refreshToken: tokenField(body, 'refresh_token') || undefined,
		// Keycloak sends refresh_expires_in: 0 for offline tokens, meaning "no expiry".
		refreshExpiresAt: refreshExpiresIn ? receivedAt + refreshExpiresIn * 1000 : undefined,
		// May be empty: node-oidc-provider answers "" when only OpenID scopes came with a resource.
		scope: stringField(body, 'scope'),
		idToken: tokenField(body, 'id_token') || undefined,
	};
}

/** JWT `exp`, moved onto the local clock by the server's offset as shown by `iat`. */
function expiryFromJwt(accessToken: string, receivedAt: number): number | undefined {
	const claims = readTimeClaims(accessToken);
	if (!claims) return undefined;
	if (claims.iat === undefined) return claims.exp * 1000;
	return receivedAt + (claims.exp - claims.iat) * 1000;
}

/** A token: printable ASCII without spaces, or empty (the caller decides what an empty one means). */
function tokenField(body: Record<string, unknown>, key: string): string | undefined {
	const value = stringField(body, key);
	if (!value) return value;
	if (value.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(value)) {
		throw new InvalidResponseError(`token response: invalid ${key}`);
	}

	return value;
}

/** A string field, empty included; absent or null is undefined; anything else is malformed. */
function stringField(body: Record<string, unknown>, key: string): string | undefined {
	if (!hasOwn(body, key) || body[key] === undefined || body[key] === null) return undefined;
	const value = body[key];
	if (typeof value !== 'string') {
		throw new InvalidResponseError(`token response: invalid ${key}`);
	}

	return value;
}

function seconds(body: Record<string, unknown>, key: string): number | undefined {
	if (!hasOwn(body, key) || body[key] === undefined || body[key] === null) return undefined;
	const raw = body[key];
	// Some servers (older Azure AD among them) send lifetimes as numeric strings.
	const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw new InvalidResponseError(`token response: invalid ${key}`);
	}

	return value;
}

// Own properties only: a value inherited through a prototype is not part of the response.
function hasOwn(body: Record<string, unknown>, key: string): boolean {
	return Object.hasOwn(body, key);
}
