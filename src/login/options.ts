import {InvalidOptionError} from '../errors/invalid-option-error.js';

/** Extra authorization request parameters: a string, or several values for a repeatable one such as `resource`. */
export type AuthorizationParams = Record<string, string | readonly string[]>;

/** Options of `createLogin`. Invalid values throw `InvalidOptionError` at construction. */
export type LoginOptions = {
	/**
	 * The authorization server's issuer identifier, exactly as it names itself
	 * (`https://auth.example.com`). Its metadata is discovered from it unless `endpoints` is
	 * given, and it is what the RFC 9207 `iss` and the ID token's `iss` are compared with.
	 * `http:` only for `localhost` and `127.0.0.1` unless `dangerouslyAllowInsecureHttp`.
	 */
	issuer: string;
	/** The OAuth client id of this app (a public client: no secret). */
	clientId: string;
	/** Where the server sends the browser back: an absolute URL registered for the client. */
	redirectUri: string;
	/** Space-separated scopes. Default `'openid offline_access'` (an ID token and a refresh token). */
	scope?: string;
	/**
	 * Extra authorization request parameters sent with every login, such as
	 * `{audience: 'https://api.example.com'}` or `{resource: [...]}`. `redirect({params})` adds
	 * to them and wins. The flow's own parameters (`state`, `code_challenge`, …) cannot be set.
	 */
	params?: AuthorizationParams;
	/**
	 * Which well-known document to discover: `'oidc'` (`{issuer}/.well-known/openid-configuration`,
	 * the default) or `'oauth2'` (RFC 8414, `/.well-known/oauth-authorization-server`).
	 */
	discovery?: 'oidc' | 'oauth2';
	/**
	 * The server's endpoints, for servers without a metadata document: then nothing is
	 * discovered. `endSession` is the RP-initiated logout endpoint, when there is one.
	 */
	endpoints?: {
		/** The authorization endpoint, where `redirect()` sends the browser. */
		authorization: string;
		/** The token endpoint, where the code is exchanged. */
		token: string;
		/** The end-session endpoint of RP-initiated logout, when the server has one. */
		endSession?: string;
	};
	/**
	 * Allow plain `http:` to an issuer or endpoint other than `localhost` / `127.0.0.1`. Codes
	 * and tokens then cross the network unencrypted, readable and changeable by anyone on the
	 * way. For test setups only. Default `false`.
	 */
	dangerouslyAllowInsecureHttp?: boolean;
	/** Timeout of the discovery request and of the code exchange, in seconds. Default 10. */
	requestTimeoutSeconds?: number;
};

/** `LoginOptions` after validation, with defaults and normalised URLs. */
export type ResolvedLoginOptions = {
	issuer: string;
	clientId: string;
	redirectUri: string;
	scope: string;
	params: AuthorizationParams;
	discovery: 'oidc' | 'oauth2';
	endpoints: {authorization: string; token: string; endSession?: string} | undefined;
	allowHttp: boolean;
	timeoutMs: number;
};

const KNOWN = ['issuer', 'clientId', 'redirectUri', 'scope', 'params', 'discovery', 'endpoints', 'dangerouslyAllowInsecureHttp', 'requestTimeoutSeconds'];

/**
 * The flow's own parameters: set by token-baton for every request, so an app's value would
 * either be overwritten or break the flow (`response_mode` would move the response out of the
 * query, where the callback reads it).
 */
const RESERVED = ['client_id', 'redirect_uri', 'response_type', 'response_mode', 'state', 'nonce', 'code_challenge', 'code_challenge_method'];

/** Validate `createLogin`'s options; throws `InvalidOptionError` naming the first bad one. */
export function resolveLoginOptions(options: unknown): ResolvedLoginOptions {
	if (typeof options !== 'object' || !options) fail('options', 'must be an object');
	const given = options as Record<string, unknown>;
	for (const key of Object.keys(given)) if (!KNOWN.includes(key)) fail(key, 'is unknown');
	const allowHttp = given.dangerouslyAllowInsecureHttp ?? false;
	if (typeof allowHttp !== 'boolean') fail('dangerouslyAllowInsecureHttp', 'must be a boolean');

	serverUrl('issuer', given.issuer, allowHttp);
	const discovery = given.discovery ?? 'oidc';
	if (discovery !== 'oidc' && discovery !== 'oauth2') fail('discovery', 'must be "oidc" or "oauth2"');
	const timeout = given.requestTimeoutSeconds ?? 10;
	if (typeof timeout !== 'number' || !(timeout > 0 && timeout <= 600)) fail('requestTimeoutSeconds', 'must be more than 0 and at most 600 seconds');
	const scope = given.scope ?? 'openid offline_access';
	if (typeof scope !== 'string' || !scope.trim()) fail('scope', 'must be a non-empty string');

	let endpoints: ResolvedLoginOptions['endpoints'];
	if (given.endpoints !== undefined) {
		const e = given.endpoints as Record<string, unknown> | null;
		if (typeof e !== 'object' || !e) fail('endpoints', 'must be an object');
		const authorization = serverUrl('endpoints.authorization', e.authorization, allowHttp).href;
		const token = serverUrl('endpoints.token', e.token, allowHttp).href;
		endpoints = e.endSession === undefined ? {authorization, token} : {authorization, token, endSession: serverUrl('endpoints.endSession', e.endSession, allowHttp).href};
	}

	return {
		// The issuer is compared as a string with `iss` values: keep it exactly as given.
		issuer: String(given.issuer),
		clientId: text('clientId', given.clientId),
		redirectUri: absoluteUrl('redirectUri', given.redirectUri).href,
		scope: scope.trim(),
		params: checkParams('params', given.params ?? {}),
		discovery,
		endpoints,
		allowHttp,
		timeoutMs: timeout * 1000,
	};
}

/** Check extra authorization parameters (the option, or a call's `params`); returns a copy. */
export function checkParams(option: string, value: unknown): AuthorizationParams {
	if (typeof value !== 'object' || !value || Array.isArray(value)) fail(option, 'must be an object of strings');
	const params: AuthorizationParams = {};
	for (const [name, field] of Object.entries(value)) {
		if (RESERVED.includes(name)) fail(`${option}.${name}`, 'is set by the login flow itself');
		const values: unknown[] = Array.isArray(field) ? field : [field];
		if (!values.every((entry) => typeof entry === 'string')) fail(`${option}.${name}`, 'must be a string or an array of strings');
		params[name] = Array.isArray(field) ? [...(field as string[])] : (field as string);
	}

	return params;
}

/**
 * Whether plain `http:` to this URL is acceptable without the opt-in: hosts a browser treats
 * as potentially trustworthy (loopback), where nothing crosses a network.
 */
export function isLoopback(url: URL): boolean {
	const host = url.hostname;
	return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** `https:`, or `http:` to a loopback host or with the opt-in; else an `InvalidOptionError`. */
function serverUrl(option: string, value: unknown, allowHttp: boolean): URL {
	const url = absoluteUrl(option, value);
	if (url.protocol === 'http:' && !allowHttp && !isLoopback(url)) {
		fail(option, 'must use https: (http: only for localhost and 127.0.0.1, or with dangerouslyAllowInsecureHttp)');
	}

	return url;
}

function absoluteUrl(option: string, value: unknown): URL {
	let url: URL | undefined;
	try {
		url = new URL(text(option, value));
	} catch {
		url = undefined;
	}

	if (!url || !/^https?:$/.test(url.protocol)) fail(option, 'must be an absolute http(s) URL');
	return url;
}

function text(option: string, value: unknown): string {
	if (typeof value !== 'string' || !value.trim()) fail(option, 'must be a non-empty string');
	return value;
}

function fail(option: string, problem: string): never {
	throw new InvalidOptionError(option, problem);
}
