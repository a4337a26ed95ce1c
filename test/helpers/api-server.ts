import {http, HttpResponse} from 'msw';
import {beforeEach} from 'vitest';
import {mswServer} from './token-server.js';

/** The page's URL in the fetch and ky tests (set per file with `@vitest-environment-options`). */
export const PAGE_ORIGIN = 'https://app.example.test';
/** Listed in `apiOrigins`. */
export const API_ORIGIN = 'https://api.example.com';

/** Origins that must never see the bearer token, each for a different reason. */
export const FOREIGN_ORIGINS = {
	foreign: 'https://other.example.net',
	lookalike: 'https://api.example.com.evil.test',
	suffix: 'https://evilapi.example.com',
	subdomain: 'https://sub.api.example.com',
	otherPort: 'https://api.example.com:8443',
	otherScheme: 'http://api.example.com',
	pageOtherScheme: 'http://app.example.test',
	pageOtherPort: 'https://app.example.test:8443',
	evil: 'https://evil.test',
} as const;

export type ApiCall = {
	method: string;
	url: string;
	origin: string;
	/** The Authorization header as received, or null. */
	authorization: string | null;
	/** The token of a `Bearer` Authorization header, or undefined. */
	token: string | undefined;
	headers: Headers;
	contentType: string | null;
	body: string;
};

type Responder = (call: ApiCall) => Response | undefined | Promise<Response | undefined>;

/**
 * A protected API on the page's origin and on API_ORIGIN, plus plain servers on the
 * foreign origins. Every request is recorded. The protected origins answer 401 without a
 * bearer token or with one listed in `rejected`, and 200 `{token}` otherwise; the foreign
 * ones answer 200 `{ok: true}` whatever they get.
 */
export class FakeApi {
	readonly calls: ApiCall[] = [];
	/** Access tokens the protected API answers with 401. */
	readonly rejected = new Set<string>();
	readonly #responders: Responder[] = [];
	readonly #waiters: Array<{count: number; resolve: () => void}> = [];

	/** Handle the next requests (one responder each) before the default behaviour; return undefined to fall through. */
	respondNext(...responders: Responder[]): void {
		this.#responders.push(...responders);
	}

	/** Resolves once `count` requests have arrived in total. */
	received(count: number): Promise<void> {
		if (this.calls.length >= count) return Promise.resolve();
		return new Promise((resolve) => this.#waiters.push({count, resolve}));
	}

	/** Tokens of the calls so far, in order (undefined for calls without a bearer token). */
	tokens(): Array<string | undefined> {
		return this.calls.map((call) => call.token);
	}

	readonly handlers = [
		...[PAGE_ORIGIN, API_ORIGIN].map((origin) => http.all(`${origin}/*`, async ({request}) => {
			const call = await this.#record(request);
			const custom = await this.#responders.shift()?.(call);
			if (custom) return custom;
			if (call.token === undefined || this.rejected.has(call.token)) {
				return HttpResponse.json({error: 'invalid_token'}, {status: 401, headers: {'www-authenticate': 'Bearer error="invalid_token"'}});
			}

			return HttpResponse.json({token: call.token, method: call.method, url: call.url, body: call.body});
		})),
		...Object.values(FOREIGN_ORIGINS).map((origin) => http.all(`${origin}/*`, async ({request}) => {
			const call = await this.#record(request);
			const custom = await this.#responders.shift()?.(call);
			return custom ?? HttpResponse.json({ok: true});
		})),
	];

	async #record(request: Request): Promise<ApiCall> {
		const authorization = request.headers.get('authorization');
		const url = new URL(request.url);
		const call: ApiCall = {
			method: request.method,
			url: request.url,
			origin: url.origin,
			authorization,
			token: authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined,
			headers: new Headers(request.headers),
			contentType: request.headers.get('content-type'),
			body: await request.text(),
		};
		this.calls.push(call);
		for (const waiter of this.#waiters.filter((w) => this.calls.length >= w.count)) {
			this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
			waiter.resolve();
		}

		return call;
	}
}

/**
 * A fresh FakeApi per test. Call it after `useTokenServer()`: that one resets msw's
 * handlers in its own beforeEach, and these are added on top.
 */
export function useApi(): () => FakeApi {
	let current = new FakeApi();
	beforeEach(() => {
		current = new FakeApi();
		mswServer.use(...current.handlers);
	});
	return () => current;
}

/** A promise and the function that resolves it: a gate a test opens when it wants. */
export function gate(): {promise: Promise<void>; open: () => void} {
	let open: () => void = () => {};
	const promise = new Promise<void>((resolve) => {
		open = resolve;
	});
	return {promise, open};
}
