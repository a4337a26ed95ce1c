/**
 * `token-baton/ky`: the token manager's bearer token, origin allow-list and 401 retry for the
 * app's own ky instance. Imports nothing from ky: ky is an optional peer dependency.
 *
 * @packageDocumentation
 */
import type {TokenManager} from './core/token-manager.js';
import type {DpopClient} from './dpop/dpop-client.js';
import {reportRejected, tokenForRequest, tokenForRetry} from './fetch/retry-policy.js';

/** What `withAuth` needs from the token manager: a `TokenManager` fits, and so does a test double. */
export type KyAuth = Pick<TokenManager, 'getAccessToken' | 'isAllowedUrl'> & Partial<Pick<TokenManager, '_dpop'>>;

/**
 * A ky hook as either major version calls it: ky 2 passes one state object, ky 1.14+
 * positional arguments. The hooks below read both shapes.
 */
export type KyHook<Result> = (...args: unknown[]) => Promise<Result>;

/**
 * The two members of a ky instance (ky 1.14 or later, or ky 2) that `withAuth` uses. Typed
 * structurally, so that this entry point imports nothing from ky, not even its types, and
 * accepts the app's own instance whichever major version it is.
 */
export type KyLike<Instance, RetryMarker> = {
	/** ky's `extend`: `withAuth` adds its hooks and returns the resulting instance. */
	extend(options: {
		hooks: {
			beforeRequest: Array<KyHook<void>>;
			beforeRetry: Array<KyHook<void>>;
			afterResponse: Array<KyHook<RetryMarker | void>>;
		};
	}): Instance;
	/** ky's `retry()` (ky 1.14+): returned from `afterResponse` to force the one retry after a 401. */
	retry(options?: {delay?: number; code?: string}): RetryMarker;
};

/**
 * The `code` of the forced retry after a 401, visible to `beforeRetry` hooks as `error.code`.
 *
 * @example
 * ```ts
 * const api = withAuth(auth, ky).extend({
 *   hooks: {beforeRetry: [({error}) => {
 *     if ((error as {code?: string}).code === RETRY_CODE) console.debug('retrying after a 401');
 *   }]},
 * });
 * ```
 */
export const RETRY_CODE = 'TOKEN_BATON_UNAUTHORIZED';

/** The `code` of the forced retry when a server asks for a DPoP nonce (`use_dpop_nonce`). */
export const NONCE_RETRY_CODE = 'TOKEN_BATON_DPOP_NONCE';

/** What one ky call (all its attempts) carries: kept per call, keyed by ky's per-call `context` object. */
type CallState = {
	/** The token on the attempt last sent. */
	sent: string;
	/** The token the forced retry after a 401 must carry. */
	next: string | undefined;
	/** A 401 was already retried: a second one is the caller's. */
	retried: boolean;
	/** DPoP is on: every attempt carries `Authorization: DPoP …` and a fresh proof. */
	dpop: DpopClient | undefined;
	/** An answer asking for a DPoP nonce was already sent again once. */
	nonceRetried: boolean;
};

type HookCall = {
	request: Request;
	key: object | undefined;
	retryLimit: number;
	response: Response | undefined;
	error: unknown;
	retryCount: number;
};

/**
 * The app's ky instance, extended with the bearer token: only for the page's own origin and
 * `apiOrigins`, after waiting for a due refresh, and with one retry after a 401 through ky's
 * own retry (`ky.retry()`, so it counts toward `retry.limit`). Signed out, a request to an
 * allowed origin rejects with `SignedOutError` unsent. The caller's own Authorization wins.
 *
 * ```ts
 * import ky from 'ky';
 * import {withAuth} from 'token-baton/ky';
 * const api = withAuth(auth, ky).extend({prefix: 'https://api.example.com/v1'});
 * ```
 */
export function withAuth<Instance, RetryMarker>(auth: KyAuth, ky: KyLike<Instance, RetryMarker>): Instance {
	const calls = new WeakMap<object, CallState>();
	// Errors this wrapper threw before a request went out (signed out, refresh failed): never retried.
	const ownErrors = new WeakSet<object>();

	const fail = (error: unknown): never => {
		if (typeof error === 'object' && error !== null) ownErrors.add(error);
		throw error;
	};

	const beforeRequest: KyHook<void> = async (...args) => {
		const call = readHook(args);
		if (!call) return;
		const {request, key} = call;
		// ky 1 runs beforeRequest again before each retry; beforeRetry has already set that token.
		if (key && calls.has(key)) return;
		if (!auth.isAllowedUrl(request.url) || request.headers.has('authorization')) return;
		let token: string;
		let dpop: DpopClient | undefined;
		try {
			dpop = await (auth._dpop?.() || undefined);
			token = await tokenForRequest(auth, request.signal);
		} catch (error) {
			return fail(error);
		}

		const state: CallState = {sent: token, next: undefined, retried: false, dpop, nonceRetried: false};
		// Changed in place: returning a new Request would skip ky 1's remaining beforeRequest hooks.
		await authorize(request, state);
		if (key) calls.set(key, state);
	};

	const afterResponse: KyHook<RetryMarker | void> = async (...args) => {
		const call = readHook(args);
		const state = call?.key ? calls.get(call.key) : undefined;
		// Not ours (a foreign origin, the caller's own Authorization, another hook replaced it).
		if (!call?.response || !state || call.request.headers.get('authorization') !== scheme(state)) return;
		if (state.dpop && await state.dpop.asksForNonce(call.request.url, call.response)) {
			// The server wants a nonce (RFC 9449 §8, §9): once more with it, apart from the retry after a 401.
			if (state.nonceRetried || call.retryCount >= call.retryLimit) return;
			state.nonceRetried = true;
			state.next = state.sent;
			return ky.retry({delay: 0, code: NONCE_RETRY_CODE});
		}

		if (call.response.status !== 401 || state.retried) return;
		const rejected = state.sent;
		state.retried = true;
		if (call.retryCount >= call.retryLimit) {
			// ky has no retry left (`retry: 0`): the 401 stands.
			reportRejected(auth, rejected);
			return;
		}

		const fresh = await tokenForRetry(auth, rejected, call.request.signal);
		if (fresh === undefined) return;
		state.next = fresh;
		return ky.retry({delay: 0, code: RETRY_CODE});
	};

	const beforeRetry: KyHook<void> = async (...args) => {
		const call = readHook(args);
		if (!call) return;
		// ky 1 retries any error, including one thrown by beforeRequest above before anything was sent.
		if (typeof call.error === 'object' && call.error !== null && ownErrors.has(call.error)) throw call.error;
		const state = call.key ? calls.get(call.key) : undefined;
		if (!state || call.request.headers.get('authorization') !== scheme(state)) return;
		let token = state.next;
		state.next = undefined;
		if (token === undefined) {
			// ky's own retry (5xx, network, timeout): the token may have been refreshed, or be due, meanwhile.
			// A signal already aborted here is ky's own timeout, which the retry replaces; do not let it cut the wait.
			const {signal} = call.request;
			try {
				token = await auth.getAccessToken(signal.aborted ? {} : {signal});
			} catch (error) {
				return fail(error);
			}
		}

		state.sent = token;
		await authorize(call.request, state);
	};

	return ky.extend({hooks: {beforeRequest: [beforeRequest], beforeRetry: [beforeRetry], afterResponse: [afterResponse]}});
}

/** The Authorization header of the token last sent: `Bearer …`, or `DPoP …` with DPoP on. */
function scheme(state: CallState): string {
	return `${state.dpop ? 'DPoP' : 'Bearer'} ${state.sent}`;
}

/** Put `state.sent` on `request`, with a new DPoP proof for this attempt when DPoP is on. */
async function authorize(request: Request, state: CallState): Promise<void> {
	request.headers.set('authorization', scheme(state));
	if (state.dpop) request.headers.set('dpop', await state.dpop.proof(request.method, request.url, {accessToken: state.sent}));
}

/** The request, options and state of a hook call, from ky 2's state object or ky 1's positional arguments. */
function readHook(args: readonly unknown[]): HookCall | undefined {
	const [first] = args;
	let request: unknown;
	let options: unknown;
	let response: unknown;
	let state: unknown;
	if (isRequest(first)) {
		// ky 1: (request, options, state) or (request, options, response, state).
		request = first;
		options = args[1];
		response = args.length > 3 ? args[2] : undefined;
		state = args[args.length - 1];
	} else if (isRecord(first)) {
		// ky 2, and beforeRetry in ky 1: ({request, options, response?, error?, retryCount}).
		request = first.request;
		options = first.options;
		response = first.response;
		state = first;
	}

	if (!isRequest(request)) return undefined;
	const context = isRecord(options) ? options.context : undefined;
	const retry = isRecord(options) ? options.retry : undefined;
	const limit = isRecord(retry) ? retry.limit : undefined;
	const count = isRecord(state) ? state.retryCount : undefined;
	return {
		request,
		// ky makes one `context` object per call and hands the same one to every hook of that call.
		key: typeof context === 'object' && context !== null ? context : undefined,
		retryLimit: typeof limit === 'number' ? limit : 0,
		response: isResponse(response) ? response : undefined,
		error: isRecord(state) ? state.error : undefined,
		retryCount: typeof count === 'number' ? count : 0,
	};
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

// Duck-typed: the app's ky may run against another realm's (or a polyfill's) Request.
function isRequest(value: unknown): value is Request {
	return isRecord(value) && typeof value.url === 'string' && typeof value.method === 'string' && isRecord(value.headers) && isRecord(value.signal);
}

function isResponse(value: unknown): value is Response {
	return isRecord(value) && typeof value.status === 'number' && isRecord(value.headers);
}
