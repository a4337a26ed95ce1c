/**
 * DPoP (issue 16): the cost of one proof, and `auth.fetch` with `dpop: true` against plain
 * `fetch` with the same headers made by hand (`Authorization: DPoP …` and a proof signed for
 * each request with the same WebCrypto calls), against a loopback server that answers 200.
 *
 * Run by `npm run bench` as `node bench/.out/dpop.mjs <out.json>` in its own process, in Node
 * (WebCrypto is Node's, OpenSSL; Chromium's BoringSSL may differ), with fake-indexeddb for the
 * stored session and Node's BroadcastChannel. `BENCH_ONLY=dpop npm run bench` runs only this.
 */
import 'fake-indexeddb/auto';
import {writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {performance} from 'node:perf_hooks';
import {createTokenManager} from '../src/index.js';
import {createKeyPair, publicJwk} from '../src/dpop/dpop-key.js';
import {signProof} from '../src/dpop/dpop-proof.js';
import {median} from './lib/stats.js';

export type DpopBenchResult = {
	runs: Array<{proofUs: number; proofWithAthUs: number; authFetchUs: number; byHandUs: number; plainUs: number}>;
	requestsPerBlock: number;
	proofsPerRun: number;
	statuses: number[];
};

const RUNS = Number(process.env.DPOP_RUNS ?? 5);
const PROOFS = 2000;
const BLOCK = 200;

async function main(): Promise<void> {
	const out = process.argv[2];
	const server = createServer((request, response) => {
		request.resume();
		response.writeHead(200, {'content-type': 'application/json'}).end('{"ok":true}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const url = `${origin}/api`;

	const auth = createTokenManager({tokenEndpoint: `${origin}/token`, clientId: 'bench', apiOrigins: [origin], dpop: true, name: 'dpop-bench'});
	await auth.setTokens({access_token: 'at-bench', token_type: 'DPoP', expires_in: 3600, refresh_token: 'rt-bench'});
	// The same kind of key the manager holds, for the requests made by hand.
	const pair = await createKeyPair();
	const jwk = await publicJwk(pair);
	const statuses = new Set<number>();

	const perOp = async (count: number, op: () => Promise<unknown>) => {
		const start = performance.now();
		for (let i = 0; i < count; i++) await op();
		return ((performance.now() - start) * 1000) / count;
	};

	const request = async (send: () => Promise<Response>) => {
		const response = await send();
		statuses.add(response.status);
		await response.text();
	};

	const kinds = {
		authFetch: async () => request(async () => auth.fetch(url)),
		byHand: async () => request(async () => fetch(url, {headers: {authorization: 'DPoP at-bench', dpop: await signProof(pair.privateKey, jwk, {method: 'GET', url, accessToken: 'at-bench'})}})),
		plain: async () => request(async () => fetch(url, {headers: {authorization: 'Bearer at-bench'}})),
	};

	// Warm-up: the DPoP chunk, the connection pool, the JIT.
	for (const kind of Object.values(kinds)) await perOp(50, kind);
	await perOp(200, async () => signProof(pair.privateKey, jwk, {method: 'GET', url}));

	const runs: DpopBenchResult['runs'] = [];
	for (let run = 0; run < RUNS; run++) {
		const proofUs = await perOp(PROOFS, async () => signProof(pair.privateKey, jwk, {method: 'GET', url}));
		const proofWithAthUs = await perOp(PROOFS, async () => signProof(pair.privateKey, jwk, {method: 'GET', url, accessToken: 'at-bench', nonce: 'n'}));
		// Blocks alternate so that neither kind always runs on a warmer connection pool.
		const blocks: Record<keyof typeof kinds, number[]> = {authFetch: [], byHand: [], plain: []};
		for (let pair = 0; pair < 5; pair++) {
			const order = (pair % 2 === 0 ? ['authFetch', 'byHand', 'plain'] : ['plain', 'byHand', 'authFetch']) as Array<keyof typeof kinds>;
			for (const kind of order) blocks[kind].push(await perOp(BLOCK, kinds[kind]));
		}

		runs.push({proofUs, proofWithAthUs, authFetchUs: median(blocks.authFetch), byHandUs: median(blocks.byHand), plainUs: median(blocks.plain)});
	}

	auth.destroy();
	server.close();
	const result: DpopBenchResult = {runs, requestsPerBlock: BLOCK, proofsPerRun: PROOFS, statuses: [...statuses]};
	if (out) writeFileSync(out, JSON.stringify(result));
	else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
	process.exit(0);
}

if (process.argv[1]?.endsWith('dpop.mjs')) await main();
