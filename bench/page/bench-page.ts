/**
 * Runs in Chromium, bundled by `npm run bench` with token-baton (src/) and served by the e2e
 * harness's TokenServer as its `page.js`. It loads the e2e page harness (`window.harness`,
 * used by the tab benchmarks) and adds `window.bench`: the hot-path and request-overhead
 * loops, and logins of the peers through their own code paths. The peers are imported
 * lazily, so the tab benchmarks never load them.
 */
import '../../test/e2e/harness/page.js';
import {createTokenManager, type TokenManager} from '../../src/index.js';
import type {UserManager} from 'oidc-client-ts';
import type {Auth0Client} from '@auth0/auth0-spa-js';
import {PEER_CLIENT_ID, PEER_PATH} from './constants.js';

export type HotPathKind = 'await-constant' | 'token-baton' | 'oidc-client-ts' | 'auth0-spa-js';
export type HotPathSample = {kind: HotPathKind; ops: number; ms: number; nsPerOp: number};
/** Milliseconds per request, one entry per block of requests. */
export type FetchSamples = {authFetch: number[]; fetch: number[]; statuses: number[]};


let tokenBaton: TokenManager | undefined;
let oidc: UserManager | undefined;
let auth0: Auth0Client | undefined;
/** Written by the loops so that no result is dead code. */
let sink: unknown;

function now(): number {
	return performance.timeOrigin + performance.now();
}

const CONSTANT = 'constant';

/** `n` sequential awaited calls of one kind; returns the elapsed milliseconds. */
async function loop(kind: HotPathKind, n: number): Promise<number> {
	const started = performance.now();
	switch (kind) {
		case 'await-constant': {
			for (let i = 0; i < n; i++) sink = await CONSTANT;
			break;
		}

		case 'token-baton': {
			const auth = tokenBaton!;
			for (let i = 0; i < n; i++) sink = await auth.getAccessToken();
			break;
		}

		case 'oidc-client-ts': {
			const manager = oidc!;
			for (let i = 0; i < n; i++) sink = (await manager.getUser())?.access_token;
			break;
		}

		case 'auth0-spa-js': {
			const client = auth0!;
			for (let i = 0; i < n; i++) sink = await client.getTokenSilently();
			break;
		}
	}

	return performance.now() - started;
}

const bench = {
	/** token-baton signed in with `login` (the TokenServer's login response). */
	async tokenBatonLogin(login: unknown): Promise<string> {
		tokenBaton?.destroy();
		tokenBaton = createTokenManager({tokenEndpoint: `${location.origin}/oauth/token`, clientId: 'e2e-spa', name: 'bench-hot'});
		await tokenBaton.ready;
		await tokenBaton.setTokens(login);
		return tokenBaton.getAccessToken();
	},

	/**
	 * oidc-client-ts signed in through its own resource-owner-password grant
	 * (`signinResourceOwnerCredentials`), which stores the user exactly as a redirect login
	 * does (sessionStorage by default). The token endpoint is routed by Playwright.
	 */
	async oidcLogin(): Promise<string | undefined> {
		const {UserManager} = await import('oidc-client-ts');
		const issuer = `${location.origin}${PEER_PATH}/oidc`;
		oidc = new UserManager({
			authority: issuer,
			client_id: PEER_CLIENT_ID,
			redirect_uri: `${location.origin}/`,
			metadata: {
				issuer,
				authorization_endpoint: `${issuer}/authorize`,
				token_endpoint: `${issuer}/token`,
			},
		});
		const user = await oidc.signinResourceOwnerCredentials({username: 'bench', password: 'bench'});
		return user.access_token;
	},

	/** auth0-spa-js, step 1: `loginWithRedirect` with `openUrl` capturing the authorize URL instead of navigating. */
	async auth0Begin(): Promise<{state: string; nonce: string}> {
		const {Auth0Client} = await import('@auth0/auth0-spa-js');
		auth0 = new Auth0Client({
			domain: `${location.origin}${PEER_PATH}/auth0`,
			clientId: PEER_CLIENT_ID,
			cacheLocation: 'memory',
			authorizationParams: {redirect_uri: `${location.origin}/`},
		});
		let authorizeUrl = '';
		await auth0.loginWithRedirect({openUrl: (url) => {
			authorizeUrl = url;
		}});
		const params = new URL(authorizeUrl).searchParams;
		return {state: params.get('state') ?? '', nonce: params.get('nonce') ?? ''};
	},

	/** auth0-spa-js, step 2: `handleRedirectCallback` exchanges the code (routed token endpoint) and fills its cache. */
	async auth0Finish(state: string): Promise<string | undefined> {
		const client = auth0!;
		await client.handleRedirectCallback(`${location.origin}/?code=bench-code&state=${encodeURIComponent(state)}`);
		return client.getTokenSilently();
	},

	/**
	 * Time `kind` for at least `minMs`: the batch size doubles until one batch takes 20 ms,
	 * then batches of that size run until `minMs` have passed. Calibration batches are not counted.
	 */
	async hotPath(kind: HotPathKind, minMs: number): Promise<HotPathSample> {
		let n = 256;
		while (await loop(kind, n) < 20) n *= 2;
		let ops = 0;
		let ms = 0;
		while (ms < minMs) {
			ms += await loop(kind, n);
			ops += n;
		}

		return {kind, ops, ms, nsPerOp: (ms * 1e6) / ops};
	},

	/**
	 * `pairs` × (a block of `perBlock` sequential `auth.fetch(path)` and a block of `perBlock`
	 * `fetch(path, {headers: {authorization}})` with the token fetched once up front), the order
	 * within a pair alternating. Each response body is read. One sample per block: its time per
	 * request (blocks, because performance.now() has a 100 µs resolution in this page).
	 */
	async fetchBlocks(pairs: number, perBlock: number): Promise<FetchSamples> {
		const auth = tokenBaton!;
		const token = await auth.getAccessToken();
		const byHand = {headers: {authorization: `Bearer ${token}`}};
		const samples: FetchSamples = {authFetch: [], fetch: [], statuses: []};
		const statuses = new Set<number>();
		const block = async (variant: 'authFetch' | 'fetch') => {
			const started = performance.now();
			for (let i = 0; i < perBlock; i++) {
				const response = variant === 'authFetch' ? await auth.fetch('/api') : await fetch('/api', byHand);
				await response.arrayBuffer();
				statuses.add(response.status);
			}

			samples[variant].push((performance.now() - started) / perBlock);
		};

		for (let i = 0; i < pairs; i++) {
			if (i % 2 === 0) {
				await block('authFetch');
				await block('fetch');
			} else {
				await block('fetch');
				await block('authFetch');
			}
		}

		samples.statuses = [...statuses];
		sink = samples;
		return samples;
	},

	/** When each response of the token endpoint arrived in this tab (Resource Timing `responseEnd`, shared clock). */
	tokenResponses(): number[] {
		return performance.getEntriesByType('resource')
			.filter((entry) => new URL(entry.name).pathname === '/oauth/token')
			.map((entry) => performance.timeOrigin + (entry as PerformanceResourceTiming).responseEnd);
	},

	/**
	 * A new tab: create the manager (through the page harness) and make the first request to
	 * `/api`. Returns the time from `createTokenManager()` to the response.
	 */
	async firstAuthorizedRequest(id: string, name: string): Promise<{ms: number; status: number | undefined; error: string | undefined}> {
		const started = now();
		window.harness.create(id, {name});
		const outcome = await window.harness.fetch(id, '/api');
		return outcome.ok
			? {ms: outcome.at - started, status: outcome.status, error: undefined}
			: {ms: outcome.at - started, status: undefined, error: `${outcome.name} ${outcome.code ?? ''}`};
	},

	sink(): string {
		return typeof sink;
	},
};

export type BenchPage = typeof bench;

declare global {
	interface Window {
		bench: BenchPage;
	}
}

window.bench = bench;
