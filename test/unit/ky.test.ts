// @vitest-environment-options {"url": "https://app.example.test/app/"}
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import ky, {HTTPError, isForceRetryError, TimeoutError, type KyInstance} from 'ky';
import {HttpResponse} from 'msw';
import {describe, expect, expectTypeOf, test, vi} from 'vitest';
import {SignedOutError, type TokenManager, type TokenManagerOptions} from '../../src/index.js';
import {RETRY_CODE, withAuth} from '../../src/ky.js';
import {API_ORIGIN, FOREIGN_ORIGINS, gate, PAGE_ORIGIN, useApi} from '../helpers/api-server.js';
import {keepHeadersOnClone} from '../helpers/clone-headers.js';
import {makeManager, next} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const api = useApi();
keepHeadersOnClone();

/** A signed-in tab holding `at-1` (its first refresh yields `at-2`) and its ky instance. */
async function signedIn(options: TokenManagerOptions = {}): Promise<{auth: TokenManager; http: KyInstance}> {
	const auth = makeManager({apiOrigins: [API_ORIGIN], ...options});
	await auth.setTokens(server().login());
	// No delay between ky's own retries: the tests are about which token each attempt carries.
	return {auth, http: withAuth(auth, ky).extend({retry: {delay: () => 0}})};
}

function sleepFor(ms: number): void {
	vi.useFakeTimers({toFake: ['Date'], now: Date.now()});
	vi.setSystemTime(Date.now() + ms);
}

/** The HTTPError a ky call rejected with. */
async function httpError(promise: Promise<unknown>): Promise<HTTPError> {
	const error: unknown = await promise.then(() => undefined, (error: unknown) => error);
	expect(error).toBeInstanceOf(HTTPError);
	return error as HTTPError;
}

const HOUR = 3_600_000;

describe('token-baton/ky: which requests get the bearer token', () => {
	test.each([
		['the page, absolute', `${PAGE_ORIGIN}/me`, `${PAGE_ORIGIN}/me`],
		['the page, root-relative', '/me', `${PAGE_ORIGIN}/me`],
		['the page, path-relative', 'me', `${PAGE_ORIGIN}/app/me`],
		['a listed API origin', `${API_ORIGIN}/me`, `${API_ORIGIN}/me`],
		['a listed API origin with its default port', 'https://api.example.com:443/me', `${API_ORIGIN}/me`],
	])('%s: %s', async (_name, url, received) => {
		const {http} = await signedIn();
		await expect(http.get(url).json()).resolves.toMatchObject({token: 'at-1'});
		expect(api().calls).toEqual([expect.objectContaining({url: received, authorization: 'Bearer at-1'})]);
	});

	test.each(Object.entries(FOREIGN_ORIGINS))('never to %s (%s), and no token is looked at', async (_name, origin) => {
		const {auth, http} = await signedIn();
		const spy = vi.spyOn(auth, 'getAccessToken');
		await expect(http.get(`${origin}/me`, {headers: {'x-trace': 'abc'}}).json()).resolves.toEqual({ok: true});
		expect(api().calls).toEqual([expect.objectContaining({origin, authorization: null})]);
		expect(api().calls[0]!.headers.get('x-trace')).toBe('abc');
		expect(spy).not.toHaveBeenCalled();
	});

	test('a foreign 401 is the caller\'s: no refresh, no token', async () => {
		const {http} = await signedIn();
		api().respondNext(() => new HttpResponse(null, {status: 401}));
		const error = await httpError(http.get(`${FOREIGN_ORIGINS.lookalike}/me`));
		expect(error.response.status).toBe(401);
		expect(api().calls).toHaveLength(1);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('a foreign request never waits for a due refresh', async () => {
		const {http} = await signedIn();
		sleepFor(2 * HOUR);
		await http.post(`${FOREIGN_ORIGINS.foreign}/x`, {json: {a: 1}});
		expect(server().refreshCalls).toHaveLength(0);
		expect(api().calls[0]).toMatchObject({authorization: null, body: '{"a":1}'});
	});

	test('withAuth extends, it does not change the app\'s own ky instance', async () => {
		const {http} = await signedIn();
		const plain = ky.create({retry: 0});
		withAuth(makeManager({apiOrigins: [API_ORIGIN]}), plain);
		await expect(plain.get(`${API_ORIGIN}/me`)).rejects.toBeInstanceOf(HTTPError);
		await http.get(`${API_ORIGIN}/me`);
		expect(api().calls.map((call) => call.authorization)).toEqual([null, 'Bearer at-1']);
	});

	test('the extended instance is typed as the ky instance it came from', () => {
		const auth = makeManager();
		expectTypeOf(withAuth(auth, ky)).toEqualTypeOf<KyInstance>();
	});
});

describe('token-baton/ky: inputs, options and what passes through', () => {
	test.each([
		['a string', () => `${API_ORIGIN}/items?id=7`],
		['a URL', () => new URL(`${API_ORIGIN}/items?id=7`)],
		['a Request', () => new Request(`${API_ORIGIN}/items?id=7`)],
	])('accepts %s', async (_name, input) => {
		const {http} = await signedIn();
		await expect(http(input()).json()).resolves.toMatchObject({token: 'at-1', url: `${API_ORIGIN}/items?id=7`});
	});

	test('prefix, searchParams, json and headers all arrive, on the retry too', async () => {
		const {http} = await signedIn();
		api().rejected.add('at-1');
		const client = http.extend({prefix: `${API_ORIGIN}/v1`, headers: {'x-client': 'web'}});
		const result = await client.post('items', {
			json: {name: 'n', tags: ['a']},
			searchParams: {page: 2, q: 'a b'},
			headers: {'x-request-id': 'r-1'},
		}).json();
		expect(result).toMatchObject({token: 'at-2'});
		expect(api().calls).toHaveLength(2);
		for (const call of api().calls) {
			expect(call).toMatchObject({method: 'POST', url: `${API_ORIGIN}/v1/items?page=2&q=a+b`, contentType: 'application/json', body: '{"name":"n","tags":["a"]}'});
			expect(call.headers.get('x-client')).toBe('web');
			expect(call.headers.get('x-request-id')).toBe('r-1');
		}

		expect(api().tokens()).toEqual(['at-1', 'at-2']);
	});

	test('the caller\'s Authorization wins: sent as is, and its 401 is not retried', async () => {
		const {http} = await signedIn();
		api().respondNext(() => new HttpResponse(null, {status: 401}));
		const error = await httpError(http.get(`${API_ORIGIN}/me`, {headers: {Authorization: 'Bearer my-own'}}));
		expect(error.response.status).toBe(401);
		expect(api().calls.map((call) => call.authorization)).toEqual(['Bearer my-own']);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('an Authorization set by an earlier hook of the app counts as the caller\'s', async () => {
		const {auth} = await signedIn();
		const base = ky.create({hooks: {beforeRequest: [({request}) => {
			request.headers.set('authorization', 'Basic dTpw');
		}]}});
		await httpError(withAuth(auth, base).get(`${API_ORIGIN}/me`));
		expect(api().calls.map((call) => call.authorization)).toEqual(['Basic dTpw']);
	});

	test('the caller\'s AbortSignal aborts the request in flight', async () => {
		const {http} = await signedIn();
		const held = gate();
		api().respondNext(async () => {
			await held.promise;
			return HttpResponse.json({late: true});
		});
		const controller = new AbortController();
		const pending = http.get(`${API_ORIGIN}/slow`, {signal: controller.signal});
		await api().received(1);
		controller.abort(new DOMException('user left', 'AbortError'));
		await expect(pending).rejects.toMatchObject({name: 'AbortError'});
		held.open();
	});

	test('an abort while the request waits for a token rejects at once, and nothing is sent', async () => {
		const {auth, http} = await signedIn();
		const held = gate();
		server().respondNext(async (call) => {
			await held.promise;
			return HttpResponse.json({access_token: 'at-late', token_type: 'Bearer', expires_in: 3600, refresh_token: `${call.refreshToken}-next`});
		});
		sleepFor(2 * HOUR);
		const controller = new AbortController();
		const pending = http.get(`${API_ORIGIN}/me`, {signal: controller.signal});
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(1), {timeout: 5000});
		const reason = new DOMException('navigated away', 'AbortError');
		controller.abort(reason);
		await expect(pending).rejects.toBe(reason);
		held.open();
		await expect(auth.getAccessToken()).resolves.toBe('at-late');
		expect(api().calls).toHaveLength(0);
	});

	test('an already aborted signal rejects without looking at the token or sending anything', async () => {
		const {auth, http} = await signedIn();
		const spy = vi.spyOn(auth, 'getAccessToken');
		const controller = new AbortController();
		controller.abort();
		await expect(http.get(`${API_ORIGIN}/me`, {signal: controller.signal})).rejects.toMatchObject({name: 'AbortError'});
		expect(spy).not.toHaveBeenCalled();
		expect(api().calls).toHaveLength(0);
	});

	test('ky\'s timeout still applies to a request that carries the token', async () => {
		const {http} = await signedIn();
		const held = gate();
		api().respondNext(async () => {
			await held.promise;
			return HttpResponse.json({late: true});
		});
		await expect(http.get(`${API_ORIGIN}/slow`, {timeout: 50, retry: 0})).rejects.toBeInstanceOf(TimeoutError);
		held.open();
		expect(api().calls).toHaveLength(1);
	});

	test('a retry after ky\'s own timeout carries the token', async () => {
		const {http} = await signedIn();
		const held = gate();
		api().respondNext(async () => {
			await held.promise;
			return HttpResponse.json({late: true});
		});
		const result = await http.get(`${API_ORIGIN}/slow`, {timeout: 50, retry: {limit: 1, retryOnTimeout: true, delay: () => 0}}).json();
		held.open();
		expect(result).toMatchObject({token: 'at-1'});
		expect(api().tokens()).toEqual(['at-1', 'at-1']);
	});
});

describe('token-baton/ky: one retry after a 401, through ky\'s retry', () => {
	type BodyCase = [name: string, send: (http: KyInstance) => Promise<unknown>, contains: string];
	const url = `${API_ORIGIN}/items`;
	const bodies: BodyCase[] = [
		['json', (http) => http.post(url, {json: {a: 1}}), '{"a":1}'],
		['a string', (http) => http.post(url, {body: 'plain text'}), 'plain text'],
		['FormData', (http) => {
			const form = new FormData();
			form.append('name', 'form-value');
			return http.post(url, {body: form});
		}, 'form-value'],
		['a Blob', (http) => http.put(url, {body: new Blob(['blob-bytes'], {type: 'application/octet-stream'})}), 'blob-bytes'],
		['URLSearchParams', (http) => http.post(url, {body: new URLSearchParams({q: 'a b'})}), 'q=a+b'],
		['a Request', (http) => http(new Request(url, {method: 'POST', body: 'in the request'})), 'in the request'],
		// ky clones every request before sending it (a stream by tee), so even a stream is replayed.
		['a ReadableStream', (http) => http.post(url, {body: new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('streamed'));
				controller.close();
			},
		})}), 'streamed'],
	];

	test.each(bodies)('replays %s body', async (_name, send, contains) => {
		const {http} = await signedIn();
		api().rejected.add('at-1');
		await send(http);
		const [first, retry] = api().calls;
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(retry!.method).toBe(first!.method);
		expect(retry!.body).toBe(first!.body);
		expect(retry!.contentType).toBe(first!.contentType);
		expect(retry!.body).toContain(contains);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('the retry is ky\'s forced retry, visible to beforeRetry hooks', async () => {
		const {http} = await signedIn();
		api().rejected.add('at-1');
		const seen: string[] = [];
		await http.get(`${API_ORIGIN}/me`, {hooks: {beforeRetry: [({error}) => {
			seen.push(isForceRetryError(error) ? String(error.code) : error.name);
		}]}});
		expect(seen).toEqual([RETRY_CODE]);
	});

	test('a second 401 is thrown as ky\'s HTTPError: one refresh, two requests, no loop', async () => {
		const {http} = await signedIn({});
		for (const token of ['at-1', 'at-2', 'at-3']) api().rejected.add(token);
		const error = await httpError(http.get(`${API_ORIGIN}/me`, {retry: {limit: 5, delay: () => 0}}));
		expect(error.response.status).toBe(401);
		expect(error.data).toEqual({error: 'invalid_token'});
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('with throwHttpErrors off, the second 401 is returned as it is', async () => {
		const {http} = await signedIn();
		for (const token of ['at-1', 'at-2']) api().rejected.add(token);
		const response = await http.get(`${API_ORIGIN}/me`, {throwHttpErrors: false});
		expect(response.status).toBe(401);
		expect(api().calls).toHaveLength(2);
	});

	test('with retry: 0 the 401 is thrown as is (no ForceRetryError), and the next request has a new token', async () => {
		const {auth, http} = await signedIn();
		api().rejected.add('at-1');
		const refreshed = next(auth, 'token');
		const error = await httpError(http.get(`${API_ORIGIN}/me`, {retry: 0}));
		expect(error.response.status).toBe(401);
		expect(api().calls).toHaveLength(1);
		await refreshed;
		await http.get(`${API_ORIGIN}/me`, {retry: 0});
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('ky\'s own retries (503) carry the token, and leave room for the one 401 retry', async () => {
		const {http} = await signedIn();
		api().rejected.add('at-1');
		api().respondNext(() => new HttpResponse(null, {status: 503}));
		await expect(http.get(`${API_ORIGIN}/me`, {retry: {limit: 2, delay: () => 0}}).json()).resolves.toMatchObject({token: 'at-2'});
		// 503 for at-1, 401 for at-1, then at-2.
		expect(api().tokens()).toEqual(['at-1', 'at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('ky\'s own retry picks up a token refreshed in the meantime', async () => {
		const {auth, http} = await signedIn();
		api().respondNext(async () => {
			// While this attempt fails, something else refreshes.
			await auth.getAccessToken({rejectedToken: 'at-1'});
			return new HttpResponse(null, {status: 503});
		});
		await expect(http.get(`${API_ORIGIN}/me`).json()).resolves.toMatchObject({token: 'at-2'});
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
	});

	test('ky\'s own retry signed out in the meantime rejects with SignedOutError, unsent', async () => {
		const {auth, http} = await signedIn();
		api().respondNext(async () => {
			await auth.logout();
			return new HttpResponse(null, {status: 503});
		});
		await expect(http.get(`${API_ORIGIN}/me`).json()).rejects.toBeInstanceOf(SignedOutError);
		expect(api().calls).toHaveLength(1);
	});

	test('a 401 for a token another refresh already replaced is retried with the current one, without a refresh', async () => {
		const {auth, http} = await signedIn();
		api().rejected.add('at-1');
		const held = gate();
		api().respondNext(async () => {
			await held.promise;
			return undefined;
		});
		const pending = http.get(`${API_ORIGIN}/slow`).json();
		await api().received(1);
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).resolves.toBe('at-2');
		held.open();
		await expect(pending).resolves.toMatchObject({token: 'at-2'});
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('20 concurrent requests meeting a 401 share exactly one refresh', async () => {
		const {http} = await signedIn();
		api().rejected.add('at-1');
		const results = await Promise.all(Array.from({length: 20}, (_, i) => http.get(`${API_ORIGIN}/items/${i}`).json()));
		expect(results).toEqual(Array.from({length: 20}, () => expect.objectContaining({token: 'at-2'})));
		expect(server().refreshCalls).toHaveLength(1);
		expect(server().reuses).toEqual([]);
		expect(api().calls).toHaveLength(40);
	});

	test('a refresh refused with invalid_grant: the 401 is thrown, later requests reject unsent', async () => {
		const {auth, http} = await signedIn();
		api().rejected.add('at-1');
		server().respondNext(() => HttpResponse.json({error: 'invalid_grant'}, {status: 400}));
		const error = await httpError(http.get(`${API_ORIGIN}/me`));
		expect(error.response.status).toBe(401);
		expect(auth.state).toBe('signed-out');
		await expect(http.get(`${API_ORIGIN}/me`)).rejects.toBeInstanceOf(SignedOutError);
		expect(api().calls).toHaveLength(1);
	});
});

describe('token-baton/ky: signed out, and tokens known to be dead', () => {
	test.each([
		['the page origin', `${PAGE_ORIGIN}/me`],
		['a relative URL', 'me'],
		['a listed API origin', `${API_ORIGIN}/me`],
	])('a request to %s rejects with SignedOutError and is not sent', async (_name, url) => {
		const auth = makeManager({apiOrigins: [API_ORIGIN]});
		const http = withAuth(auth, ky);
		await expect(http.get(url)).rejects.toBeInstanceOf(SignedOutError);
		await expect(http.post(url, {json: {a: 1}})).rejects.toBeInstanceOf(SignedOutError);
		expect(api().calls).toHaveLength(0);
	});

	test('foreign origins are still fetched when signed out', async () => {
		const auth = makeManager({apiOrigins: [API_ORIGIN]});
		await expect(withAuth(auth, ky).get(`${FOREIGN_ORIGINS.foreign}/public`).json()).resolves.toEqual({ok: true});
	});

	test('an expired token: the request waits for the refresh and carries the new token', async () => {
		const {http} = await signedIn();
		sleepFor(HOUR + 1000);
		await expect(http.get(`${API_ORIGIN}/me`).json()).resolves.toMatchObject({token: 'at-2'});
		expect(api().tokens()).toEqual(['at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a token inside the leeway is refreshed before the request goes out', async () => {
		const {http} = await signedIn({refreshLeewaySeconds: 60});
		sleepFor(HOUR - 30_000);
		await http.get(`${API_ORIGIN}/me`);
		expect(api().tokens()).toEqual(['at-2']);
	});
});

describe('packaging', () => {
	// A string, not `new URL(...)`: under happy-dom `URL` is the window's, which node:url refuses.
	const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

	async function bundle(entry: string) {
		const result = await build({
			absWorkingDir: root,
			entryPoints: [entry],
			bundle: true,
			write: false,
			format: 'esm',
			platform: 'browser',
			external: ['ky'],
			metafile: true,
			logLevel: 'silent',
		});
		const outputs = Object.values(result.metafile.outputs);
		return {
			inputs: Object.keys(result.metafile.inputs),
			imports: outputs.flatMap((output) => output.imports.map((imported) => imported.path)),
			code: result.outputFiles.map((file) => file.text).join('\n'),
		};
	}

	test('the core entry neither imports nor bundles ky', async () => {
		const core = await bundle('src/index.ts');
		expect(core.inputs).toContain('src/core/token-manager.ts');
		expect(core.inputs.filter((path) => path.includes('node_modules/ky/'))).toEqual([]);
		expect(core.imports).not.toContain('ky');
		expect(core.inputs).not.toContain('src/ky.ts');
	});

	test('the ky entry imports nothing from ky at run time and does not carry the core', async () => {
		const entry = await bundle('src/ky.ts');
		expect(entry.imports).toEqual([]);
		expect(entry.inputs.filter((path) => path.includes('node_modules'))).toEqual([]);
		expect(entry.inputs).not.toContain('src/core/token-manager.ts');
		expect(entry.code).toContain('withAuth');
	});
});
