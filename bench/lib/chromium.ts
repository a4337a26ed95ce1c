/**
 * The real-Chromium parts of `npm run bench`: hot path, request overhead and tabs. Reuses the
 * e2e harness (test/e2e/harness/): its Chromium launcher and TabGroup, its rotating
 * TokenServer, and its page harness, bundled here together with bench/page/bench-page.ts.
 */
import {basename, join} from 'node:path';
import {build} from 'esbuild';
import type {Browser, Page, Route} from 'playwright-core';
import {launchChromium, TabGroup, type Tab} from '../../test/e2e/harness/browser.js';
import type {BrowserBundle} from '../../test/e2e/harness/bundle.js';
import type {RecordedEvent} from '../../test/e2e/harness/page.js';
import {TokenServer} from '../../test/e2e/harness/token-server.js';
import type {BenchPage, FetchSamples, HotPathKind, HotPathSample} from '../page/bench-page.js';
import {PEER_CLIENT_ID, PEER_PATH, TABS_NAME} from '../page/constants.js';
import {median, quantile, sleep} from './stats.js';

const MAIN = 'main';

export type Chromium = {browser: Browser; server: TokenServer; version: string; close(): Promise<void>};

/**
 * The bench page bundled like the e2e harness bundles its page (esbuild, ESM, code
 * splitting, in memory), so that the peers and the lease lock (the no-Web-Locks fallback) stay lazy chunks.
 */
export async function buildBenchBundle(root: string): Promise<BrowserBundle> {
	const result = await build({
		absWorkingDir: root,
		entryPoints: {page: join(root, 'bench', 'page', 'bench-page.ts')},
		bundle: true,
		format: 'esm',
		splitting: true,
		platform: 'browser',
		target: 'chrome120',
		outdir: join(root, 'bench', '.out', 'page'),
		write: false,
		metafile: true,
		minify: true,
		logLevel: 'silent',
		plugins: [{
			// The root package.json says "sideEffects": false, which would drop the bench page's
			// side-effect-only import of the harness page (it installs window.harness).
			name: 'harness-page-has-side-effects',
			setup(pluginBuild) {
				pluginBuild.onResolve({filter: /harness\/page\.js$/}, (args) => ({path: join(args.resolveDir, args.path.replace(/\.js$/, '.ts')), sideEffects: true}));
			},
		}],
	});
	const files = new Map<string, string>();
	for (const file of result.outputFiles) files.set(basename(file.path), file.text);
	let leaseLockChunk = '';
	for (const [path, output] of Object.entries(result.metafile.outputs)) {
		if (output.entryPoint?.endsWith('src/tabs/lease-lock.ts')) leaseLockChunk = basename(path);
	}

	if (!files.has('page.js')) throw new Error(`Unexpected bundle layout: ${[...files.keys()].join(', ')}`);
	return {files, leaseLockChunk};
}

export async function startChromium(root: string): Promise<Chromium> {
	const bundle = await buildBenchBundle(root);
	const server = await TokenServer.start(bundle);
	const browser = await launchChromium();
	return {
		browser,
		server,
		version: browser.version(),
		async close() {
			await browser.close();
			await server.close();
		},
	};
}

type Method = keyof BenchPage;

/** `window.bench[method](...args)` in the page (a typed page.evaluate, like the harness's Tab.call). */
async function benchCall<M extends Method>(page: Page, method: M, ...args: Parameters<BenchPage[M]>): Promise<Awaited<ReturnType<BenchPage[M]>>> {
	const result: unknown = await page.evaluate(async ({method, args}) => {
		const fn = window.bench[method] as unknown as (...values: unknown[]) => unknown;
		return fn(...args);
	}, {method, args: args as unknown[]});
	return result as Awaited<ReturnType<BenchPage[M]>>;
}

function errorText(error: unknown): string {
	const text = error instanceof Error ? error.message : String(error);
	return text.split('\n')[0]!.slice(0, 200);
}

// --- peers' authorization servers (Playwright routes) ----------------------------------------

function base64url(value: object | string): string {
	return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A well-formed ID token. Neither peer verifies signatures in the browser; both check the claims. */
function idToken(claims: Record<string, unknown>): string {
	return `${base64url({alg: 'RS256', typ: 'JWT', kid: 'bench'})}.${base64url(claims)}.${base64url('unsigned')}`;
}

/**
 * The token endpoints of the peers' logins, fulfilled by Playwright on the page's own origin:
 * oidc-client-ts's resource-owner-password grant and auth0-spa-js's authorization-code
 * exchange. Used for the logins only: the route is removed before anything is timed.
 */
class PeerServer {
	auth0Nonce = '';

	constructor(private readonly origin: string) {}

	async route(route: Route): Promise<void> {
		const request = route.request();
		const url = new URL(request.url());
		const form = new URLSearchParams(request.postData() ?? '');
		const nowSeconds = Math.floor(Date.now() / 1000);
		const json = (body: object, status = 200) => route.fulfill({status, contentType: 'application/json', headers: {'cache-control': 'no-store'}, body: JSON.stringify(body)});
		if (url.pathname === `${PEER_PATH}/oidc/token` && form.get('grant_type') === 'password') {
			const issuer = `${this.origin}${PEER_PATH}/oidc`;
			return json({
				access_token: `oidc-at-${nowSeconds}`,
				token_type: 'Bearer',
				expires_in: 3600,
				scope: 'openid',
				id_token: idToken({iss: issuer, aud: PEER_CLIENT_ID, sub: 'bench-user', iat: nowSeconds, exp: nowSeconds + 3600}),
			});
		}

		if (url.pathname === `${PEER_PATH}/auth0/oauth/token` && form.get('grant_type') === 'authorization_code') {
			const issuer = `${this.origin}${PEER_PATH}/auth0/`;
			return json({
				access_token: `auth0-at-${nowSeconds}`,
				token_type: 'Bearer',
				expires_in: 86_400,
				scope: 'openid profile email',
				id_token: idToken({iss: issuer, aud: PEER_CLIENT_ID, sub: 'bench-user', nonce: this.auth0Nonce, iat: nowSeconds, exp: nowSeconds + 86_400}),
			});
		}

		return json({error: 'invalid_request'}, 400);
	}
}

// --- hot path and request overhead -----------------------------------------------------------

export type Contender = {kind: HotPathKind; label: string; setup: string; error: string | undefined};
export type HotPathRun = Partial<Record<HotPathKind, HotPathSample>>;
export type HotPathResult = {
	contenders: Contender[];
	runs: HotPathRun[];
	/** Network requests the peers' loops made (must be 0: a warm cache answers without one). */
	peerRequestsDuringLoops: number;
	/** Token-endpoint requests during token-baton's loops (must be 0). */
	tokenBatonRefreshesDuringLoops: number;
	pageErrors: string[];
};

export type FetchRun = {authFetchMs: number; fetchMs: number; ratio: number; pairs: number; perBlock: number; statuses: number[]};
export type FetchResult = {runs: FetchRun[]; error: string | undefined};

export async function hotPathAndFetch(chromium: Chromium, options: {runs: number; minMs: number; fetchRuns: number; fetchPairs: number; perBlock: number}): Promise<{hot: HotPathResult; fetch: FetchResult}> {
	const {server, browser} = chromium;
	server.reset({expiresIn: 3600});
	const group = await TabGroup.create(browser, server.pageUrl);
	try {
		const tab = await group.open();
		const page = tab.page;
		const peers = new PeerServer(server.origin);
		await page.route(`${server.origin}${PEER_PATH}/**`, (route) => peers.route(route));

		const contenders: Contender[] = [
			{kind: 'await-constant', label: '`await` of a constant (baseline)', setup: 'a loop of `await "constant"`', error: undefined},
			{kind: 'token-baton', label: 'token-baton `getAccessToken()`', setup: 'signed in with `setTokens()` (TokenServer login, 1 h token), IndexedDB + Web Locks + BroadcastChannel live', error: undefined},
			{kind: 'oidc-client-ts', label: 'oidc-client-ts `(await getUser()).access_token`', setup: 'signed in through its own `signinResourceOwnerCredentials()` (token endpoint routed by Playwright), user in its default sessionStorage store', error: undefined},
			{kind: 'auth0-spa-js', label: 'auth0-spa-js `getTokenSilently()`', setup: '`loginWithRedirect({openUrl})` + `handleRedirectCallback()` (code exchange routed by Playwright), default memory cache, warm', error: undefined},
		];
		const setups: Record<HotPathKind, () => Promise<unknown>> = {
			'await-constant': async () => undefined,
			'token-baton': () => benchCall(page, 'tokenBatonLogin', server.login({expiresIn: 3600})),
			'oidc-client-ts': () => benchCall(page, 'oidcLogin'),
			'auth0-spa-js': async () => {
				const {state, nonce} = await benchCall(page, 'auth0Begin');
				peers.auth0Nonce = nonce;
				return benchCall(page, 'auth0Finish', state);
			},
		};
		for (const contender of contenders) {
			try {
				const token = await setups[contender.kind]();
				if (contender.kind !== 'await-constant' && (typeof token !== 'string' || token === '')) contender.error = 'login returned no access token';
			} catch (error) {
				contender.error = errorText(error);
			}
		}

		// A registered route makes Playwright intercept every request of the page (a round trip to
		// Node each): remove it before anything is timed. Requests are still counted, unintercepted.
		await page.unrouteAll();
		let peerRequests = 0;
		page.on('request', (request) => {
			if (new URL(request.url()).pathname.startsWith(PEER_PATH)) peerRequests++;
		});
		const ready = contenders.filter((contender) => contender.error === undefined);
		const refreshesBefore = server.refreshes.length;
		const runs: HotPathRun[] = [];
		for (let r = 0; r < options.runs; r++) {
			const run: HotPathRun = {};
			// Rotate the order each run, so that no contender always runs first or last.
			const order = ready.map((_, i) => ready[(i + r) % ready.length]!);
			for (const contender of order) run[contender.kind] = await benchCall(page, 'hotPath', contender.kind, options.minMs);
			runs.push(run);
		}

		const hot: HotPathResult = {
			contenders,
			runs,
			peerRequestsDuringLoops: peerRequests,
			tokenBatonRefreshesDuringLoops: server.refreshes.length - refreshesBefore,
			pageErrors: [],
		};

		let fetch: FetchResult;
		if (contenders.find((c) => c.kind === 'token-baton')?.error !== undefined) {
			fetch = {runs: [], error: 'token-baton could not be signed in'};
		} else {
			const fetchRuns: FetchRun[] = [];
			// One warm-up run (connection, JIT), not counted.
			await benchCall(page, 'fetchBlocks', 4, options.perBlock);
			for (let r = 0; r < options.fetchRuns; r++) {
				const samples = await benchCall(page, 'fetchBlocks', options.fetchPairs, options.perBlock);
				const authFetchMs = median(samples.authFetch);
				const fetchMs = median(samples.fetch);
				fetchRuns.push({authFetchMs, fetchMs, ratio: authFetchMs / fetchMs, pairs: options.fetchPairs, perBlock: options.perBlock, statuses: samples.statuses});
			}

			fetch = {runs: fetchRuns, error: undefined};
		}

		hot.pageErrors = group.pageErrors();
		return {hot, fetch};
	} finally {
		await group.close();
	}
}

// --- tabs ------------------------------------------------------------------------------------

export type TabsRun = {
	tabs: number;
	/** Refresh requests the server received during the refresh cycles. */
	refreshRequests: number;
	/** Distinct refresh tokens presented: each is one token lifetime that ended in a refresh. */
	lifetimes: number;
	reuses: number;
	/** Refresh requests that did not rotate (reuse, revoked, …). */
	failedRefreshes: number;
	/** Time between consecutive refresh requests, ms. */
	intervals: number[];
	/** Per other tab and cycle: the refreshing tab's token response → that tab holding the new token, ms. */
	propagation: number[];
	/** Other tabs that never got a cycle's token. */
	propagationMissing: number;
	/** Per other tab and round: logout() called in tab 1 → that tab's signed-out event, ms. */
	logout: number[];
	logoutMissing: number;
	/** New tabs: createTokenManager() → first 200 from /api, ms. */
	newTab: number[];
	/** Refresh requests while the new tabs started (must be 0). */
	newTabRefreshes: number;
	newTabFailures: string[];
	pageErrors: string[];
};

export type TabsOptions = {cycles: number; logoutRounds: number; refreshDelayMs: number; expiresIn: number};

/** Open `count` tabs, sign in in the first, then measure refresh cycles, a new tab per cycle and logouts. */
export async function tabsRun(chromium: Chromium, count: number, options: TabsOptions): Promise<TabsRun> {
	const {server, browser} = chromium;
	server.reset({refreshDelayMs: options.refreshDelayMs, expiresIn: options.expiresIn});
	const group = await TabGroup.create(browser, server.pageUrl);
	const run: TabsRun = {
		tabs: count,
		refreshRequests: 0,
		lifetimes: 0,
		reuses: 0,
		failedRefreshes: 0,
		intervals: [],
		propagation: [],
		propagationMissing: 0,
		logout: [],
		logoutMissing: 0,
		newTab: [],
		newTabRefreshes: 0,
		newTabFailures: [],
		pageErrors: [],
	};
	try {
		const tabs = await group.openMany(count);
		for (const tab of tabs) await tab.call('create', MAIN, {name: TABS_NAME});
		for (const tab of tabs) await tab.call('ready', MAIN);
		const first = tabs[0]!;
		const others = tabs.slice(1);
		await first.call('setTokens', MAIN, server.login());
		for (const tab of others) await tab.call('waitForEvent', MAIN, 'signed-in', 0, 5000);

		// Refresh cycles, driven by the managers' own timers.
		let lastResponse = 0;
		for (let cycle = 1; cycle <= options.cycles; cycle++) {
			await server.waitForRefreshes(cycle, options.expiresIn * 1000 + 10_000);
			// Let the token reach every tab, and any duplicate refresh reach the server.
			await sleep(options.refreshDelayMs + 400);
			const responses = (await Promise.all(tabs.map((tab) => benchCall(tab.page, 'tokenResponses'))))
				.flatMap((times, index) => times.map((at) => ({at, index})))
				.filter((response) => response.at > lastResponse)
				.sort((a, b) => a.at - b.at);
			const response = responses[0];
			if (response) {
				lastResponse = responses.at(-1)!.at;
				await collectPropagation(tabs, response, run);
			}

			await newTab(group, chromium, run);
		}

		run.refreshRequests = server.refreshes.length;
		run.lifetimes = new Set(server.refreshes.map((record) => record.refreshToken)).size;
		run.reuses = server.reuses.length;
		run.failedRefreshes = server.refreshes.filter((record) => record.outcome !== 'rotated').length;
		const times = server.refreshes.map((record) => record.at).sort((a, b) => a - b);
		run.intervals = times.slice(1).map((at, i) => at - times[i]!);

		// Logout propagation: log out in the first tab, log in again (long-lived token), repeat.
		if (others.length > 0) {
			for (let round = 0; round < options.logoutRounds; round++) {
				const marks = await Promise.all(others.map(async (tab) => (await tab.call('events', MAIN)).length));
				const {startedAt} = await first.call('logout', MAIN);
				for (const [i, tab] of others.entries()) {
					try {
						const event = await tab.call('waitForEvent', MAIN, 'signed-out', marks[i]!, 5000);
						run.logout.push(event.at - startedAt);
					} catch {
						run.logoutMissing++;
					}
				}

				const signedIn = await Promise.all(others.map(async (tab) => (await tab.call('events', MAIN)).length));
				await first.call('setTokens', MAIN, server.login({expiresIn: 600}));
				for (const [i, tab] of others.entries()) await tab.call('waitForEvent', MAIN, 'signed-in', signedIn[i]!, 5000);
			}
		}

		run.pageErrors = group.pageErrors();
		return run;
	} finally {
		await group.close();
	}
}

/** Per other tab: the first token event after the refreshing tab's token response. */
async function collectPropagation(tabs: Tab[], response: {at: number; index: number}, run: TabsRun): Promise<void> {
	for (const [index, tab] of tabs.entries()) {
		if (index === response.index) continue;
		const events: RecordedEvent[] = await tab.call('events', MAIN);
		const adopted = events.find((event) => event.name === 'token' && event.at >= response.at);
		if (adopted) run.propagation.push(adopted.at - response.at);
		else run.propagationMissing++;
	}
}

/** Open one more tab on a signed-in profile, make its first authorized request, close it. */
async function newTab(group: TabGroup, chromium: Chromium, run: TabsRun): Promise<void> {
	const before = chromium.server.refreshes.length;
	const tab = await group.open();
	try {
		const result = await benchCall(tab.page, 'firstAuthorizedRequest', MAIN, TABS_NAME);
		if (result.status === 200) run.newTab.push(result.ms);
		else run.newTabFailures.push(result.error ?? `status ${result.status ?? '?'}`);
	} catch (error) {
		run.newTabFailures.push(errorText(error));
	} finally {
		run.newTabRefreshes += chromium.server.refreshes.length - before;
		await tab.close();
	}
}

export function percentile(values: readonly number[], p: number): number {
	return quantile(values, p / 100);
}
