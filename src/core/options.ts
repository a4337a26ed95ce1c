import {InvalidOptionError} from '../errors/invalid-option-error.js';
import type {TokenManagerOptions} from '../types/options.js';
import type {RefreshFunction} from '../types/tokens.js';

/** Options after validation, with defaults filled in and times in milliseconds. */
export type ResolvedOptions = {
	tokenEndpoint: string | undefined;
	clientId: string | undefined;
	refresh: RefreshFunction | undefined;
	revocationEndpoint: string | undefined;
	refreshParams: Record<string, string>;
	apiOrigins: readonly string[];
	leewayMs: number;
	name: string;
	requestTimeoutMs: number;
	lockTimeoutMs: number;
	refreshTokenLifetimeMs: number | undefined;
	refreshTokenWarningMs: number;
	encryptStorage: boolean;
};

const KNOWN = new Set<string>([
	'tokenEndpoint', 'clientId', 'refresh', 'revocationEndpoint', 'refreshParams', 'apiOrigins',
	'refreshLeewaySeconds', 'name', 'requestTimeoutSeconds', 'lockTimeoutSeconds',
	'refreshTokenLifetimeSeconds', 'refreshTokenWarningSeconds', 'encryptStorage',
]);

// One day: a larger leeway or timeout is a unit mistake (milliseconds passed as seconds).
const MAX_SECONDS = 86_400;

export function resolveOptions(options: unknown): ResolvedOptions {
	if (typeof options !== 'object' || options === null) {
		throw new InvalidOptionError('options', 'must be an object');
	}

	const o = options as Record<string, unknown>;
	for (const key of Object.keys(o)) {
		if (!KNOWN.has(key)) throw new InvalidOptionError(key, 'is not a token-baton option');
	}

	const hasEndpoint = o.tokenEndpoint !== undefined;
	const hasRefresh = o.refresh !== undefined;
	if (hasEndpoint === hasRefresh) {
		throw new InvalidOptionError('tokenEndpoint', 'or "refresh" is required, and not both');
	}

	if (hasRefresh && typeof o.refresh !== 'function') {
		throw new InvalidOptionError('refresh', 'must be a function');
	}

	const tokenEndpoint = optionalUrl(o, 'tokenEndpoint');
	const clientId = optionalString(o, 'clientId');
	if (hasEndpoint && clientId === undefined) {
		throw new InvalidOptionError('clientId', 'is required with "tokenEndpoint"');
	}

	const revocationEndpoint = optionalUrl(o, 'revocationEndpoint');
	if (revocationEndpoint !== undefined && clientId === undefined) {
		throw new InvalidOptionError('clientId', 'is required with "revocationEndpoint"');
	}

	const name = optionalString(o, 'name') ?? 'default';
	if (name.length > 100) throw new InvalidOptionError('name', 'must be at most 100 characters');

	const leeway = seconds(o, 'refreshLeewaySeconds', 60, 0);
	const refreshTokenLifetime = o.refreshTokenLifetimeSeconds === undefined
		? undefined
		: seconds(o, 'refreshTokenLifetimeSeconds', 0, 1, Number.MAX_SAFE_INTEGER / 1000);
	const encryptStorage = o.encryptStorage ?? true;
	if (typeof encryptStorage !== 'boolean') throw new InvalidOptionError('encryptStorage', 'must be a boolean');

	return {
		tokenEndpoint,
		clientId,
		refresh: hasRefresh ? (o.refresh as RefreshFunction) : undefined,
		revocationEndpoint,
		refreshParams: refreshParams(o.refreshParams),
		apiOrigins: apiOrigins(o.apiOrigins),
		leewayMs: leeway * 1000,
		name,
		requestTimeoutMs: seconds(o, 'requestTimeoutSeconds', 10, 0.001) * 1000,
		lockTimeoutMs: seconds(o, 'lockTimeoutSeconds', 10, 0.001) * 1000,
		refreshTokenLifetimeMs: refreshTokenLifetime === undefined ? undefined : refreshTokenLifetime * 1000,
		refreshTokenWarningMs: seconds(o, 'refreshTokenWarningSeconds', 300, 0, Number.MAX_SAFE_INTEGER / 1000) * 1000,
		encryptStorage,
	};
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
	const value = o[key];
	if (value === undefined) return undefined;
	if (typeof value !== 'string' || value.trim() === '') {
		throw new InvalidOptionError(key, 'must be a non-empty string');
	}

	return value;
}

function optionalUrl(o: Record<string, unknown>, key: string): string | undefined {
	const value = optionalString(o, key);
	if (value === undefined) return undefined;
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new InvalidOptionError(key, `must be an absolute URL, got "${value}"`);
	}

	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new InvalidOptionError(key, 'must be an http(s) URL');
	}

	return url.href;
}

function seconds(o: Record<string, unknown>, key: string, fallback: number, min: number, max = MAX_SECONDS): number {
	const value = o[key];
	if (value === undefined) return fallback;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
		throw new InvalidOptionError(key, `must be a number of seconds from ${min} to ${max}`);
	}

	return value;
}

function refreshParams(value: unknown): Record<string, string> {
	if (value === undefined) return {};
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new InvalidOptionError('refreshParams', 'must be an object of strings');
	}

	const result: Record<string, string> = {};
	for (const [key, field] of Object.entries(value)) {
		if (typeof field !== 'string') throw new InvalidOptionError(`refreshParams.${key}`, 'must be a string');
		// These are the grant itself; letting them be overridden would send the wrong token.
		if (key === 'grant_type' || key === 'refresh_token' || key === 'client_id') {
			throw new InvalidOptionError(`refreshParams.${key}`, 'is set by token-baton and cannot be overridden');
		}

		result[key] = field;
	}

	return result;
}

function apiOrigins(value: unknown): readonly string[] {
	if (value === undefined) return [];
	if (!Array.isArray(value)) throw new InvalidOptionError('apiOrigins', 'must be an array of origins');
	return value.map((entry: unknown, index) => {
		const key = `apiOrigins[${index}]`;
		if (typeof entry !== 'string') throw new InvalidOptionError(key, 'must be a string');
		let url: URL;
		try {
			url = new URL(entry);
		} catch {
			throw new InvalidOptionError(key, `must be an origin such as "https://api.example.com", got "${entry}"`);
		}

		if (url.hostname.includes('*')) throw new InvalidOptionError(key, 'must be an exact origin: wildcards are not supported');
		// A path here would suggest path-based matching, which the origin rule does not do.
		if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin + '/' !== url.href.replace(/\/?$/, '/')) {
			throw new InvalidOptionError(key, `must be a bare origin (scheme, host, optional port), got "${entry}"`);
		}

		return url.origin;
	});
}
