import {InvalidOptionError} from '../errors/invalid-option-error.js';
import type {TokenManagerOptions} from '../types/options.js';

/** Options after validation, with their defaults. Times stay in seconds, as given. */
export type ResolvedOptions = Omit<TokenManagerOptions, 'refreshParams' | 'apiOrigins' | 'name' | 'encryptStorage' | Seconds> & {
	refreshParams: Record<string, string>;
	apiOrigins: readonly string[];
	name: string;
	encryptStorage: boolean;
	refreshLeewaySeconds: number;
	requestTimeoutSeconds: number;
	lockTimeoutSeconds: number;
	refreshTokenWarningSeconds: number;
	refreshTokenLifetimeSeconds: number | undefined;
};

type Seconds = 'refreshLeewaySeconds' | 'requestTimeoutSeconds' | 'lockTimeoutSeconds' | 'refreshTokenWarningSeconds' | 'refreshTokenLifetimeSeconds';
type Kind = 'url' | 'text' | 'function' | 'boolean' | 'params' | 'origins' | [fallback: number | undefined, min: number, max: number];

// Every option and how it is checked. Seconds: [default, minimum, maximum]; a maximum of one
// day catches milliseconds passed as seconds (lifetimes may be longer).
const OPTIONS: Record<string, Kind> = {
	tokenEndpoint: 'url',
	clientId: 'text',
	refresh: 'function',
	revocationEndpoint: 'url',
	refreshParams: 'params',
	apiOrigins: 'origins',
	name: 'text',
	encryptStorage: 'boolean',
	dpop: 'boolean',
	refreshLeewaySeconds: [60, 0, 86_400],
	requestTimeoutSeconds: [10, 0.001, 86_400],
	lockTimeoutSeconds: [10, 0.001, 86_400],
	refreshTokenLifetimeSeconds: [undefined, 1, 1e12],
	refreshTokenWarningSeconds: [300, 0, 1e12],
};

// The grant's own fields: overriding them would send the wrong grant or token.
const RESERVED_PARAMS = ['grant_type', 'refresh_token', 'client_id'];

/** Validate `createTokenManager`'s options; throws `InvalidOptionError` naming the first bad one. */
export function resolveOptions(options: unknown): ResolvedOptions {
	if (typeof options !== 'object' || !options) fail('options', 'must be an object');
	const given = options as Record<string, unknown>;
	const resolved: Record<string, unknown> = {name: 'default', encryptStorage: true, refreshParams: {}, apiOrigins: []};
	for (const key of Object.keys(given)) {
		if (!Object.hasOwn(OPTIONS, key)) fail(key, 'is unknown');
	}

	for (const [key, kind] of Object.entries(OPTIONS)) {
		const value = given[key] ?? (Array.isArray(kind) ? kind[0] : undefined);
		if (value !== undefined) resolved[key] = check(key, kind, value);
	}

	const o = resolved as ResolvedOptions;
	if (!o.tokenEndpoint === !o.refresh) fail('tokenEndpoint', 'or "refresh": give one');
	if ((o.tokenEndpoint ?? o.revocationEndpoint) && !o.clientId) fail('clientId', 'is required');
	if (o.name.length > 100) fail('name', 'is too long');
	return o;
}

function check(key: string, kind: Kind, value: unknown): unknown {
	if (Array.isArray(kind)) {
		if (typeof value !== 'number' || !(value >= kind[1] && value <= kind[2])) fail(key, `must be ${kind[1]} to ${kind[2]} seconds`);
		return value;
	}

	if (kind === 'function' || kind === 'boolean') {
		if (typeof value !== kind) fail(key, `must be a ${kind}`);
		return value;
	}

	if (kind === 'params') {
		if (typeof value !== 'object' || !value || Array.isArray(value)) fail(key, 'must be an object');
		for (const [name, field] of Object.entries(value)) {
			if (typeof field !== 'string' || RESERVED_PARAMS.includes(name)) fail(`${key}.${name}`, 'must be a string, not a grant field');
		}

		return {...value};
	}

	if (kind === 'origins') {
		if (!Array.isArray(value)) fail(key, 'must be an array');
		return value.map((entry: unknown, index) => {
			const url = typeof entry === 'string' ? parse(entry) : undefined;
			// Exact origins only: a path, query, credentials or wildcard would suggest a looser match than the one made.
			if (!url || url.href !== `${url.origin}/` || url.hostname.includes('*')) {
				fail(`${key}[${index}]`, 'must be an exact origin');
			}

			return url.origin;
		});
	}

	if (typeof value !== 'string' || !value.trim()) fail(key, 'must be a non-empty string');
	if (kind === 'text') return value;
	const url = parse(value);
	if (!url) fail(key, 'must be an http(s) URL');
	return url.href;
}

/** An absolute http(s) URL, or undefined. */
function parse(value: string): URL | undefined {
	try {
		const url = new URL(value);
		return /^https?:$/.test(url.protocol) ? url : undefined;
	} catch {
		return undefined;
	}
}

function fail(option: string, problem: string): never {
	throw new InvalidOptionError(option, problem);
}
