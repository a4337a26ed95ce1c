import {http, HttpResponse} from 'msw';
import {setupServer} from 'msw/node';
import {afterAll, beforeAll, beforeEach} from 'vitest';

export const ISSUER = 'https://auth.example.test';
export const TOKEN_URL = `${ISSUER}/oauth/token`;
export const REVOKE_URL = `${ISSUER}/oauth/revoke`;
export const CLIENT_ID = 'test-spa';

export type RefreshCall = {refreshToken: string; params: URLSearchParams; contentType: string | null};

type Override = (call: RefreshCall) => Response | Promise<Response>;

/**
 * An in-memory authorization server that behaves like the strict ones: it rotates refresh
 * tokens and, when a consumed refresh token comes back, revokes the whole family
 * (as node-oidc-provider, Auth0, Okta and Keycloak do).
 */
export class TokenServer {
	readonly refreshCalls: RefreshCall[] = [];
	readonly revocations: URLSearchParams[] = [];
	/** Refresh tokens presented after they had been consumed: every one is a bug in the client. */
	readonly reuses: string[] = [];
	rotate = true;
	expiresIn: number | undefined = 3600;
	#counter = 0;
	#familyCount = 0;
	readonly #families = new Map<string, {family: number; consumed: boolean}>();
	readonly #revokedFamilies = new Set<number>();
	readonly #overrides: Override[] = [];

	/** A fresh token response, as the token endpoint returns it after a login. */
	login(extra: Record<string, unknown> = {}): Record<string, unknown> {
		const family = ++this.#familyCount;
		return {...this.#issue(family), ...extra};
	}

	/** Answer the next refresh request(s) with these instead of the normal behaviour. */
	respondNext(...overrides: Override[]): void {
		this.#overrides.push(...overrides);
	}

	/** The normal answer to a refresh call, for overrides that only add a delay or a side effect. */
	refreshWith(call: RefreshCall): Response {
		return this.#refresh(call);
	}

	/** True while `refreshToken` would still be accepted. */
	isValid(refreshToken: string): boolean {
		const entry = this.#families.get(refreshToken);
		return entry !== undefined && !entry.consumed && !this.#revokedFamilies.has(entry.family);
	}

	readonly handlers = [
		http.post(TOKEN_URL, async ({request}) => {
			const params = new URLSearchParams(await request.text());
			const call: RefreshCall = {refreshToken: params.get('refresh_token') ?? '', params, contentType: request.headers.get('content-type')};
			this.refreshCalls.push(call);
			const override = this.#overrides.shift();
			if (override) return override(call);
			return this.#refresh(call);
		}),
		http.post(REVOKE_URL, async ({request}) => {
			const params = new URLSearchParams(await request.text());
			this.revocations.push(params);
			const entry = this.#families.get(params.get('token') ?? '');
			if (entry) this.#revokedFamilies.add(entry.family);
			return new HttpResponse(null, {status: 200});
		}),
	] satisfies Array<ReturnType<typeof http.post>>;

	#refresh(call: RefreshCall): Response {
		if (call.params.get('grant_type') !== 'refresh_token' || call.params.get('client_id') !== CLIENT_ID) {
			return HttpResponse.json({error: 'invalid_request'}, {status: 400});
		}

		const entry = this.#families.get(call.refreshToken);
		if (!entry || this.#revokedFamilies.has(entry.family)) {
			return HttpResponse.json({error: 'invalid_grant', error_description: 'grant request is invalid'}, {status: 400});
		}

		if (entry.consumed) {
			this.reuses.push(call.refreshToken);
			this.#revokedFamilies.add(entry.family);
			return HttpResponse.json({error: 'invalid_grant', error_description: 'grant request is invalid'}, {status: 400});
		}

		if (this.rotate) entry.consumed = true;
		const response = this.#issue(entry.family, this.rotate ? undefined : call.refreshToken);
		return HttpResponse.json(response, {headers: {'cache-control': 'no-store'}});
	}

	#issue(family: number, keepRefreshToken?: string): Record<string, unknown> {
		const n = ++this.#counter;
		const response: Record<string, unknown> = {access_token: `at-${n}`, token_type: 'Bearer'};
		if (this.expiresIn !== undefined) response.expires_in = this.expiresIn;
		if (keepRefreshToken === undefined) {
			const refreshToken = `rt-${n}`;
			this.#families.set(refreshToken, {family, consumed: false});
			response.refresh_token = refreshToken;
		}

		return response;
	}
}

export const mswServer = setupServer();

/** Start msw for the test file, with a fresh TokenServer per test (returned by the getter). */
export function useTokenServer(): () => TokenServer {
	let current = new TokenServer();
	beforeAll(() => mswServer.listen({onUnhandledRequest: 'error'}));
	beforeEach(() => {
		current = new TokenServer();
		mswServer.resetHandlers(...current.handlers);
	});
	afterAll(() => mswServer.close());
	return () => current;
}
