/**
 * `npm run bench`: sizes, hot path, request overhead, tabs and endurance, measured in one run
 * on this machine; writes bench/RESULTS.md and prints it. Started by bench/run.mjs, which
 * installs the peers (bench/package.json) and bundles this file to bench/.out/main.mjs.
 *
 * BENCH_QUICK=1 runs every part with fewer repetitions (for working on the bench itself;
 * the numbers it prints are not the published ones).
 */
import {execFileSync, spawn} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {cpus, release, totalmem, type as osType} from 'node:os';
import {join} from 'node:path';
import type {DpopBenchResult} from './dpop.js';
import type {EnduranceResult, EnduranceSnapshot} from './endurance.js';
import {hotPathAndFetch, startChromium, tabsRun, percentile, type Chromium, type FetchResult, type HotPathResult, type TabsRun} from './lib/chromium.js';
import {DPOP_BUDGET, LOGIN_BUDGET, measureSizes, SIZE_BUDGET, type SizeEntry} from './lib/sizes.js';
import {formatBytes, formatKiB, formatNumber, formatSpread, median, spread, table, type Spread} from './lib/stats.js';

const root = process.argv[2] ?? process.cwd();
const startedAt = Number(process.argv[3] ?? Date.now());
const QUICK = process.env.BENCH_QUICK === '1';

const CONFIG = {
	hotRuns: QUICK ? 3 : 11,
	hotMinMs: QUICK ? 60 : 100,
	fetchRuns: QUICK ? 3 : 5,
	fetchPairs: QUICK ? 10 : 30,
	fetchPerBlock: 10,
	tabCounts: [1, 2, 4, 8, 16],
	tabRuns: QUICK ? 1 : 3,
	tabs: {cycles: QUICK ? 2 : 3, logoutRounds: QUICK ? 2 : 4, refreshDelayMs: 100, expiresIn: 10},
	enduranceRuns: QUICK ? 1 : 3,
	enduranceCycles: QUICK ? 2000 : 10_000,
	enduranceWarmup: 1000,
};

function log(message: string): void {
	const seconds = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
	process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

// --- machine ---------------------------------------------------------------------------------

type Machine = {cpu: string; cores: number; memory: string; os: string; node: string; chromium: string; date: string};

function machine(chromium: string): Machine {
	const list = cpus();
	let cpu = list[0]?.model.trim() ?? 'unknown';
	try {
		// os.cpus() may give a generic name in VMs; lscpu has the same source but say so if they differ.
		const lscpu = execFileSync('lscpu', {encoding: 'utf8'});
		const model = /^Model name:\s*(.+)$/m.exec(lscpu)?.[1]?.trim();
		if (model && model !== cpu) cpu = `${cpu} (lscpu: ${model})`;
	} catch {
		// lscpu is optional.
	}

	return {
		cpu,
		cores: list.length,
		memory: `${formatNumber(totalmem() / 1024 ** 3, 0)} GiB`,
		os: `${osType()} ${release()}`,
		node: process.version,
		chromium,
		date: new Date().toISOString(),
	};
}

// --- endurance (child processes with --expose-gc) ---------------------------------------------

async function enduranceRun(index: number): Promise<EnduranceResult> {
	const out = join(root, 'bench', '.out', `endurance-${index}.json`);
	const script = join(root, 'bench', '.out', 'endurance.mjs');
	await new Promise<void>((resolve, reject) => {
		const child = spawn(process.execPath, ['--expose-gc', script, String(CONFIG.enduranceCycles), String(CONFIG.enduranceWarmup), out], {cwd: root, stdio: ['ignore', 'inherit', 'inherit']});
		child.once('error', reject);
		child.once('exit', (code) => code === 0 ? resolve() : reject(new Error(`endurance run exited with ${code}`)));
	});
	return JSON.parse(readFileSync(out, 'utf8')) as EnduranceResult;
}

/** bench/dpop.ts in a process of its own (fake-indexeddb is global there). */
async function dpopRun(): Promise<DpopBenchResult> {
	const out = join(root, 'bench', '.out', 'dpop.json');
	await new Promise<void>((resolve, reject) => {
		const child = spawn(process.execPath, [join(root, 'bench', '.out', 'dpop.mjs'), out], {cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: {...process.env, DPOP_RUNS: QUICK ? '2' : '5'}});
		child.once('error', reject);
		child.once('exit', (code) => code === 0 ? resolve() : reject(new Error(`DPoP run exited with ${code}`)));
	});
	return JSON.parse(readFileSync(out, 'utf8')) as DpopBenchResult;
}

// --- rendering -------------------------------------------------------------------------------

function dpopSection(result: DpopBenchResult): string {
	const row = (label: string, pick: (run: DpopBenchResult['runs'][number]) => number) => [label, formatSpread(spread(result.runs.map(pick)), 0, ' µs')];
	const rows = [
		row('one proof (ES256 sign, no `ath`)', (run) => run.proofUs),
		row('one proof with `ath` and `nonce` (one SHA-256 more)', (run) => run.proofWithAthUs),
		row('`auth.fetch(url)` with `dpop: true`', (run) => run.authFetchUs),
		row('`fetch(url)` with `Authorization: DPoP` and a proof signed by hand', (run) => run.byHandUs),
		row('difference (auth.fetch − by hand)', (run) => run.authFetchUs - run.byHandUs),
		row('`fetch(url)` with a bearer header (no proof), for scale', (run) => run.plainUs),
	];
	return `## 6. DPoP: one proof, and \`auth.fetch\` with DPoP against the same headers made by hand

In Node (bench/dpop.ts, its own process; WebCrypto is Node's), a loopback server answering 200.
A proof figure is the mean over ${result.proofsPerRun} sequential proofs; a request figure is the median of 5 blocks
of ${result.requestsPerBlock} sequential requests (block order alternating). Median [min–max] of ${result.runs.length} runs.
Statuses seen: ${result.statuses.join(', ')}. On this 2-core machine shared with other work the spread is wide;
the proof's cost is one ECDSA P-256 signature (and a SHA-256 for \`ath\`), which the hand-made
requests pay too, so their difference is the wrapper's own cost (token lookup, \`Request\`, the copy kept for a retry, nonce bookkeeping).

${table(['what', 'time'], rows, ['l', 'r'])}`;
}

function sizeSection(entries: SizeEntry[]): string {
	const rows = entries.map((entry) => {
		if (!entry.size) return [entry.label, entry.versions, 'failed', '', '', '', '', '', '', entry.error ?? ''];
		const {start, total, fallback} = entry.size;
		return [
			entry.label,
			entry.versions,
			formatBytes(start.minified),
			formatBytes(start.gzip),
			formatBytes(start.brotli),
			formatBytes(total.minified),
			formatBytes(total.gzip),
			formatBytes(total.brotli),
			fallback.gzip > 0 ? formatBytes(fallback.gzip) : '',
			entry.note ?? '',
		];
	});
	const own = entries.find((entry) => entry.label === 'token-baton')?.size;
	const budget = own
		? `Budget (bench/size.ts \`SIZE_BUDGET\`; \`npm test\` fails above it, measuring the packed tarball in test/package/consumer.test.ts): start ≤ ${formatBytes(SIZE_BUDGET.startGzip)} B gzip, total ≤ ${formatBytes(SIZE_BUDGET.totalGzip)} B gzip. `
			+ `This run: start ${formatBytes(own.start.gzip)} B (${own.start.gzip <= SIZE_BUDGET.startGzip ? 'within' : '**over**'}), total ${formatBytes(own.total.gzip)} B (${own.total.gzip <= SIZE_BUDGET.totalGzip ? 'within' : '**over**'}).`
		: 'token-baton could not be bundled.';
	const login = entries.find((entry) => entry.label === 'token-baton/login')?.size;
	const loginBudget = login
		? ` token-baton/login, its own budget (bench/size.ts \`LOGIN_BUDGET\`, checked the same way): ≤ ${formatBytes(LOGIN_BUDGET.gzip)} B gzip; this run ${formatBytes(login.total.gzip)} B (${login.total.gzip <= LOGIN_BUDGET.gzip ? 'within' : '**over**'}).`
		: '';
	const fallbacks = own
		? `\n\ntoken-baton's fallback chunks (outside the total; bench/size.ts \`FALLBACKS\`), each loaded only where its API is missing:\n\n${Object.entries(own.fallbacks).map(([name, size]) => `- ${name}: ${formatBytes(size.gzip)} B gzip (${formatBytes(size.minified)} B minified, ${formatBytes(size.brotli)} B brotli)`).join('\n')}`
		: '';
	// The DPoP chunk: only \`createTokenManager({dpop: true})\` loads it (issue 16); nothing at start without it.
	const dpopLine = own
		? ` DPoP (\`dpop: true\`), its own chunk outside start and total (bench/size.ts \`DPOP_BUDGET\`): ${formatBytes(own.dpop.gzip)} B gzip (${own.dpop.gzip <= DPOP_BUDGET.gzip ? 'within' : '**over**'} ${formatBytes(DPOP_BUDGET.gzip)} B); the start is the same with and without \`dpop\`, which is an option, not an import.`
		: '';
	const inputs = own
		? `\n\ntoken-baton's largest inputs (bytes in the minified output, all chunks): ${own.inputs.slice(0, 8).map((input) => `\`${input.path.replace(/^.*node_modules\//, '')}\` ${formatBytes(input.bytes)}`).join(', ')}.`
		: '';
	return `## 1. Size

What an app downloads for one import, bundled by \`measureBundle\` from bench/size.ts (esbuild,
browser, ESM, minified, code splitting on, runtime dependencies included). **start** = the entry
chunk plus the chunks it imports statically (what loads at start); **total** = every chunk a
current browser can load with the default options, lazily loaded ones included; **fallback** =
the chunks only pages without Web Locks or a native BroadcastChannel load, outside the total.
Each file is compressed on its own, as a browser downloads it, and the sizes added up. Bytes;
gzip level 9, brotli default (quality 11). Sizes are deterministic, so each is measured once.

${table(['import', 'versions', 'start min', 'start gzip', 'start brotli', 'total min', 'total gzip', 'total brotli', 'fallback gzip', 'note'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'])}

${budget}${loginBudget}${dpopLine}${fallbacks}${inputs}

The imports measured: ${entries.map((entry) => `${entry.label}: \`${entry.code.split('\n').filter((line) => line.startsWith('import')).join(' ')}\``).join('; ')}.`;
}

function hotSection(hot: HotPathResult): string {
	const baseline = hot.runs.map((run) => run['await-constant']?.nsPerOp ?? Number.NaN);
	const rows = hot.contenders.map((contender) => {
		if (contender.error !== undefined) return [contender.label, 'not measured', '', `${contender.setup}. **Setup failed:** ${contender.error}`];
		const ns = hot.runs.map((run) => run[contender.kind]?.nsPerOp ?? Number.NaN);
		const ratios = ns.map((value, i) => value / baseline[i]!);
		return [contender.label, formatSpread(spread(ns), 0), contender.kind === 'await-constant' ? '1' : formatSpread(spread(ratios), 1, '×'), contender.setup];
	});
	return `## 2. Hot path: a valid token, already in memory

In Chromium (one tab of the harness page, bundled minified), sequential awaited calls.
Each figure: median [min–max] of ${hot.runs.length} runs; a run times each call for at least
${CONFIG.hotMinMs} ms (batch size calibrated first, calibration not counted), the order of the
contenders rotating from run to run. The ratio is computed within each run. Note that these
calls do different amounts of work: oidc-client-ts re-reads and re-parses its user from
sessionStorage on every \`getUser()\`; auth0-spa-js looks up its cache and its ID-token cache.

${table(['call', 'ns/op', '× await constant', 'how it was set up'], rows, ['l', 'r', 'r', 'l'])}

Network requests during the timed loops: peers ${hot.peerRequestsDuringLoops}, token-baton token endpoint ${hot.tokenBatonRefreshesDuringLoops} (both must be 0: the caches were warm).${hot.pageErrors.length > 0 ? `\nPage errors: ${hot.pageErrors.join('; ')}` : ''}`;
}

function fetchSection(result: FetchResult): string {
	if (result.error !== undefined) return `## 3. Request overhead\n\nNot measured: ${result.error}`;
	const run0 = result.runs[0];
	const rows = [
		['`auth.fetch("/api")`', formatSpread(spread(result.runs.map((run) => run.authFetchMs * 1000)), 0, ' µs')],
		['`fetch("/api", {headers: {authorization}})` (token set by hand)', formatSpread(spread(result.runs.map((run) => run.fetchMs * 1000)), 0, ' µs')],
		['difference of medians (auth.fetch − fetch)', formatSpread(spread(result.runs.map((run) => (run.authFetchMs - run.fetchMs) * 1000)), 0, ' µs')],
		['ratio of medians (auth.fetch / fetch)', formatSpread(spread(result.runs.map((run) => run.ratio)), 3, '×')],
	];
	return `## 3. Request overhead: \`auth.fetch\` vs \`fetch\` with the header set by hand

In Chromium, same page, same loopback server (the harness's TokenServer \`/api\`, which checks the
bearer token), sequential requests, each response body read. A run is ${run0?.pairs ?? '?'} pairs of blocks (a block
is ${run0?.perBlock ?? '?'} requests of one kind, timed together because \`performance.now()\` has a 100 µs resolution in the
page; the order within a pair alternates); its figure per kind is the median over its blocks of the
time per request. Median [min–max] of ${result.runs.length} runs (after a warm-up of 4 pairs); the ratio and
difference are computed within each run. Statuses seen: ${[...new Set(result.runs.flatMap((run) => run.statuses))].join(', ')}.
A loopback round trip itself takes milliseconds in this headless Chromium on this machine (the
plain \`fetch\` row), so the ratio is dominated by the network path; the difference of medians
estimates the wrapper's own cost per request (token lookup, \`Request\` construction, the clone
kept for a retry), within the noise of the round trips.

${table(['request', 'time per request'], rows, ['l', 'r'])}`;
}

function spreadOf(runs: TabsRun[], pick: (run: TabsRun) => number): Spread {
	return spread(runs.map(pick));
}

function tabsSection(byCount: Map<number, TabsRun[]>, failures: string[]): string {
	const rows: string[][] = [];
	const problems: string[] = failures.map((failure) => `Run failed, not counted: ${failure}`);
	for (const [count, runs] of byCount) {
		if (runs.length === 0) {
			rows.push([String(count), 'n/a', '', '', '', '', '', '', '', 'every run failed']);
			continue;
		}

		const others = count > 1;
		const perLifetime = spreadOf(runs, (run) => run.refreshRequests / run.lifetimes);
		const reuses = runs.reduce((sum, run) => sum + run.reuses + run.failedRefreshes, 0);
		const interval = spreadOf(runs, (run) => median(run.intervals) / 1000);
		const p = (values: (run: TabsRun) => number[], q: number) => formatSpread(spreadOf(runs, (run) => values(run).length > 0 ? percentile(values(run), q) : Number.NaN), 1);
		const newTabRefreshes = runs.reduce((sum, run) => sum + run.newTabRefreshes, 0);
		const newTabs = runs.reduce((sum, run) => sum + run.newTab.length + run.newTabFailures.length, 0);
		rows.push([
			String(count),
			formatSpread(perLifetime, 2),
			String(reuses),
			formatSpread(interval, 2, ' s'),
			others ? p((run) => run.propagation, 50) : 'n/a',
			others ? p((run) => run.propagation, 95) : 'n/a',
			others ? p((run) => run.logout, 50) : 'n/a',
			others ? p((run) => run.logout, 95) : 'n/a',
			formatSpread(spreadOf(runs, (run) => run.newTab.length > 0 ? median(run.newTab) : Number.NaN), 1),
			`${newTabRefreshes} (of ${newTabs} new tabs)`,
		]);
		const missing = runs.reduce((sum, run) => sum + run.propagationMissing, 0);
		const logoutMissing = runs.reduce((sum, run) => sum + run.logoutMissing, 0);
		const failures = runs.flatMap((run) => run.newTabFailures);
		const errors = runs.flatMap((run) => run.pageErrors);
		if (missing > 0) problems.push(`${count} tabs: ${missing} tab(s) never received a cycle's new token.`);
		if (logoutMissing > 0) problems.push(`${count} tabs: ${logoutMissing} tab(s) missed a logout within 5 s.`);
		if (failures.length > 0) problems.push(`${count} tabs: new tab failures: ${failures.join('; ')}.`);
		if (errors.length > 0) problems.push(`${count} tabs: page errors: ${errors.slice(0, 5).join('; ')}.`);
	}

	const {cycles, logoutRounds, refreshDelayMs, expiresIn} = CONFIG.tabs;
	return `## 4. Tabs in real Chromium

Pages of one browser context (shared IndexedDB, Web Locks and BroadcastChannel, like tabs), each
with a token-baton manager, against the harness's TokenServer: it rotates refresh tokens, revokes
the family on reuse and answers a refresh after ${refreshDelayMs} ms. Tokens live ${expiresIn} s, so the managers'
own timers refresh about every 5 s (token-baton never refreshes one token sooner than 5 s after it
arrived). Per run: sign in in the first tab, let ${cycles} refresh cycles run on their own; after each
cycle open one more tab and time its first authorized request, then close it; then ${logoutRounds} rounds of
logout in the first tab (and a new login). ${CONFIG.tabRuns} runs per row (a fresh browser context each);
each figure is the median [min–max] over the runs of that run's value.

- **refresh requests per token lifetime**: refresh requests the server received ÷ distinct refresh
  tokens presented (each presented token is one lifetime that ended in a refresh). Must be 1.00.
- **reuses/failed**: refresh requests that did not rotate (a reused or revoked token). Must be 0.
- **interval**: median time between consecutive refresh requests (a tab refreshing early would shorten it).
- **token to every tab**: from the moment the refreshing tab received the token response (Resource
  Timing \`responseEnd\`) to each other tab's \`token\` event; p50/p95 over the other tabs × cycles of a run.
- **logout**: from \`logout()\` being called in the first tab to each other tab's \`signed-out\` event.
- **new tab**: a tab opened on the signed-in profile: \`createTokenManager()\` → first \`auth.fetch('/api')\`
  answered 200; it restores the session from IndexedDB and asks the open tabs for the access token.
  **new-tab refreshes** must be 0.

All times in ms unless marked.

${table(['tabs', 'refresh requests per token lifetime', 'reuses/failed', 'interval', 'token to every tab p50', 'p95', 'logout p50', 'p95', 'new tab → first authorized request', 'new-tab refreshes'], rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'])}
${problems.length > 0 ? `\nProblems seen:\n${problems.map((problem) => `- ${problem}`).join('\n')}\n` : '\nNo tab missed a token or a logout, no page errors.\n'}`;
}

function enduranceSection(results: EnduranceResult[], failures: string[]): string {
	if (results.length === 0) return `## 5. Endurance\n\nNot measured: ${failures.join('; ')}`;
	const at = (result: EnduranceResult, cycle: number) => result.snapshots.find((snapshot) => snapshot.cycle === cycle);
	const before = results.map((result) => at(result, 0)!);
	const after = results.map((result) => at(result, result.cycles)).filter((snapshot): snapshot is EnduranceSnapshot => snapshot !== undefined);
	const destroyed = results.map((result) => at(result, -1)!);
	const metric = (label: string, pick: (snapshot: EnduranceSnapshot) => number, digits = 0, unit = '') => [
		label,
		formatSpread(spread(before.map(pick)), digits, unit),
		formatSpread(spread(after.map(pick)), digits, unit),
		formatSpread(spread(destroyed.map(pick)), digits, unit),
	];
	const kb = (snapshot: EnduranceSnapshot) => snapshot.heapUsed / 1024;
	const slopes = results.map((result) => slope(result.snapshots.filter((snapshot) => snapshot.cycle >= 0)));
	const growth = results.map((result) => ((at(result, result.cycles)?.heapUsed ?? Number.NaN) - at(result, 0)!.heapUsed) / 1024);
	const bands = results.map((result) => {
		const heaps = result.snapshots.filter((snapshot) => snapshot.cycle >= 0).map((snapshot) => snapshot.heapUsed);
		return (Math.max(...heaps) - Math.min(...heaps)) / 1024;
	});
	const cycles = results[0]!.cycles;
	const rows = [
		metric('listeners on window + document', (s) => s.pageListeners),
		metric('abort listeners on live AbortSignals', (s) => s.abortListeners),
		metric('open BroadcastChannels', (s) => s.openChannels),
		metric('pending timers', (s) => s.pendingTimers),
		metric('heap used after gc (KB)', kb, 0),
	];
	const requests = results.map((result) => result.refreshRequests);
	const irregular = results.reduce((sum, result) => sum + result.irregularCycles, 0);
	const reuses = results.reduce((sum, result) => sum + result.reuses, 0);
	const errors = results.flatMap((result) => result.errors);
	return `## 5. Endurance: ${formatNumber(cycles)} refresh cycles

Two managers ("tabs") in one Node process, in a minimal browser-like environment: fake-indexeddb,
the unit tests' in-process Web Locks (test/helpers/fake-web-locks.ts), Node's BroadcastChannel,
bare EventTargets as \`window\` and \`document\`, a \`fetch\` stub as a rotating token endpoint, and
@sinonjs/fake-timers for setTimeout/setInterval/Date (setImmediate, I/O and WebCrypto stay real).
Each cycle moves the clock past both tabs' refresh times: both timers fire, one tab refreshes, the
other finds the work done; the cycle ends when both hold the new token and both are idle again.
"before" is after ${formatNumber(results[0]!.warmup)} warm-up cycles, "after" after ${formatNumber(cycles)} more; heap is
\`heapUsed\` after forced full GCs (\`--expose-gc\`). ${results.length} runs, each a fresh process; median [min–max].

${table(['', 'before', `after ${formatNumber(cycles)} cycles`, 'after destroy()'], rows, ['l', 'r', 'r', 'r'])}

- Heap growth from before to after: ${formatSpread(spread(growth), 0, ' KB')}; least-squares slope over the snapshots taken every
  1,000 cycles: ${formatSpread(spread(slopes), 1, ' B/cycle')}; for scale, the spread (max − min) of heapUsed over one run's
  snapshots: ${formatSpread(spread(bands), 0, ' KB')}.
- Refresh requests per run: ${formatSpread(spread(requests))} for ${formatNumber(results[0]!.warmup + cycles)} cycles; cycles without exactly one request: ${irregular}; reuses: ${reuses}.
- Errors, warnings or sign-outs: ${errors.length === 0 ? 'none' : errors.join('; ')}.
- Wall time per run: ${formatSpread(spread(results.map((result) => result.durationMs / 1000)), 1, ' s')}.${failures.length > 0 ? `\n- Failed runs: ${failures.join('; ')}` : ''}`;
}

/** Least-squares slope of heapUsed over cycle, bytes per cycle. */
function slope(points: EnduranceSnapshot[]): number {
	const n = points.length;
	if (n < 2) return Number.NaN;
	const mx = points.reduce((sum, p) => sum + p.cycle, 0) / n;
	const my = points.reduce((sum, p) => sum + p.heapUsed, 0) / n;
	let num = 0;
	let den = 0;
	for (const p of points) {
		num += (p.cycle - mx) * (p.heapUsed - my);
		den += (p.cycle - mx) ** 2;
	}

	return num / den;
}

function headline(sizes: SizeEntry[], hot: HotPathResult | undefined, fetch: FetchResult | undefined, byCount: Map<number, TabsRun[]>): string {
	const lines: string[] = [];
	const own = sizes.find((entry) => entry.label === 'token-baton')?.size;
	const peers = sizes.filter((entry) => !entry.label.startsWith('token-baton') && entry.size);
	if (own) {
		const smallest = peers.sort((a, b) => a.size!.start.gzip - b.size!.start.gzip)[0];
		lines.push(`- Size: token-baton loads ${formatKiB(own.start.gzip)} gzip at start (${formatKiB(own.total.gzip)} with every lazily loaded chunk; fallbacks apart: ${Object.entries(own.fallbacks).map(([name, size]) => `${name} ${formatKiB(size.gzip)}`).join(', ')})${smallest ? `; the smallest peer measured, ${smallest.label}, ${formatKiB(smallest.size!.start.gzip)}` : ''}.`);
	}

	const login = sizes.find((entry) => entry.label === 'token-baton/login')?.size;
	if (login) lines.push(`- Login: token-baton/login loads ${formatKiB(login.total.gzip)} gzip on the login and callback pages, oauth4webapi included (the core's start size is unchanged by it).`);

	if (hot) {
		const baseline = hot.runs.map((run) => run['await-constant']?.nsPerOp ?? Number.NaN);
		const ns = hot.runs.map((run) => run['token-baton']?.nsPerOp ?? Number.NaN);
		if (ns.some(Number.isFinite)) lines.push(`- Hot path: \`getAccessToken()\` ${formatSpread(spread(ns), 0)} ns (${formatNumber(median(ns.map((v, i) => v / baseline[i]!)), 1)}× an awaited constant).`);
	}

	if (fetch && fetch.runs.length > 0) lines.push(`- \`auth.fetch\` / \`fetch\` with the header by hand: ${formatNumber(median(fetch.runs.map((run) => run.ratio)), 3)}× (ratio of medians).`);
	const sixteen = byCount.get(16) ?? [...byCount.values()].at(-1);
	if (sixteen && sixteen.length > 0) {
		const count = sixteen[0]!.tabs;
		const perLifetime = median(sixteen.map((run) => run.refreshRequests / run.lifetimes));
		const p95 = median(sixteen.map((run) => percentile(run.propagation, 95)));
		const logout = median(sixteen.map((run) => percentile(run.logout, 95)));
		lines.push(`- ${count} tabs: ${formatNumber(perLifetime, 2)} refresh request per token lifetime; new token in every tab p95 ${formatNumber(p95, 1)} ms; logout p95 ${formatNumber(logout, 1)} ms.`);
	}

	return lines.join('\n');
}

// --- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
	log(`sizes${QUICK ? ' (BENCH_QUICK=1: fewer repetitions)' : ''}`);
	const sizes = await measureSizes(root);

	let chromium: Chromium | undefined;
	let chromiumVersion = 'not started';
	let hot: HotPathResult | undefined;
	let fetch: FetchResult | undefined;
	const byCount = new Map<number, TabsRun[]>();
	const tabFailures: string[] = [];
	let chromiumError: string | undefined;
	try {
		log('Chromium: bundling the bench page and starting the browser');
		chromium = await startChromium(root);
		chromiumVersion = chromium.version;
		log('hot path and request overhead');
		({hot, fetch} = await hotPathAndFetch(chromium, {
			runs: CONFIG.hotRuns,
			minMs: CONFIG.hotMinMs,
			fetchRuns: CONFIG.fetchRuns,
			fetchPairs: CONFIG.fetchPairs,
			perBlock: CONFIG.fetchPerBlock,
		}));
	} catch (error) {
		chromiumError = error instanceof Error ? `${error.message}` : String(error);
		log(`Chromium hot path / request overhead failed: ${chromiumError}`);
	}

	try {
		if (!chromium) throw new Error(chromiumError ?? 'Chromium did not start');
		for (const count of CONFIG.tabCounts) {
			const runs: TabsRun[] = [];
			for (let r = 0; r < CONFIG.tabRuns; r++) {
				log(`tabs: ${count} tab(s), run ${r + 1}/${CONFIG.tabRuns}`);
				try {
					runs.push(await tabsRun(chromium, count, CONFIG.tabs));
				} catch (error) {
					const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
					tabFailures.push(`${count} tabs, run ${r + 1}: ${message}`);
					log(`tabs run failed: ${message}`);
				}
			}

			byCount.set(count, runs);
		}
	} catch (error) {
		chromiumError = error instanceof Error ? `${error.message}` : String(error);
		log(`Chromium part failed: ${chromiumError}`);
	} finally {
		await chromium?.close();
	}

	let dpop: DpopBenchResult | undefined;
	let dpopError: string | undefined;
	log('DPoP: proofs and auth.fetch with DPoP');
	try {
		dpop = await dpopRun();
	} catch (error) {
		dpopError = error instanceof Error ? error.message : String(error);
	}

	const endurance: EnduranceResult[] = [];
	const enduranceFailures: string[] = [];
	for (let r = 0; r < CONFIG.enduranceRuns; r++) {
		log(`endurance run ${r + 1}/${CONFIG.enduranceRuns} (${CONFIG.enduranceCycles} cycles)`);
		try {
			endurance.push(await enduranceRun(r));
		} catch (error) {
			enduranceFailures.push(error instanceof Error ? error.message : String(error));
		}
	}

	const m = machine(chromiumVersion);
	const durationS = (Date.now() - startedAt) / 1000;
	const markdown = `# token-baton benchmarks

Written by \`npm run bench\` (bench/run.mjs); do not edit by hand.${QUICK ? '\n\n**BENCH_QUICK=1: reduced repetitions, not for publishing.**' : ''}

| | |
|---|---|
| date | ${m.date} |
| CPU | ${m.cpu}, ${m.cores} cores |
| memory | ${m.memory} |
| OS | ${m.os} |
| Node | ${m.node} |
| Chromium | ${m.chromium} (headless, system binary driven by playwright-core; launched by test/e2e/harness/browser.ts, background timer throttling off) |
| duration of this run | ${formatNumber(durationS, 0)} s |

Headline numbers:

${headline(sizes, hot, fetch, byCount)}

${sizeSection(sizes)}

${hot ? hotSection(hot) : `## 2. Hot path\n\nNot measured: ${chromiumError ?? 'unknown error'}`}

${fetch ? fetchSection(fetch) : `## 3. Request overhead\n\nNot measured: ${chromiumError ?? 'unknown error'}`}

${byCount.size > 0 ? tabsSection(byCount, tabFailures) : `## 4. Tabs\n\nNot measured: ${chromiumError ?? 'unknown error'}`}

${enduranceSection(endurance, enduranceFailures)}

${dpop ? dpopSection(dpop) : `## 6. DPoP\n\nNot measured: ${dpopError ?? 'unknown error'}`}
`;
	writeFileSync(join(root, 'bench', 'RESULTS.md'), markdown);
	process.stdout.write(markdown);
	log(`done: bench/RESULTS.md written (${formatNumber(durationS, 0)} s)`);
}

await main();
