// @vitest-environment-options {"url": "https://app.example.test/app/"}
import {HttpResponse} from 'msw';
import {describe, expect, test, vi} from 'vitest';
import {SignedOutError, type TokenManager, type TokenManagerOptions} from '../../src/index.js';
import {API_ORIGIN, FOREIGN_ORIGINS, gate, PAGE_ORIGIN, useApi} from '../helpers/api-server.js';
import {keepHeadersOnClone} from '../helpers/clone-headers.js';
import {makeManager, next, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const api = useApi();
keepHeadersOnClone();

/** A signed-in tab holding `at-1`; its first refresh yields `at-2`. */
async function signedIn(options: TokenManagerOptions = {}): Promise<TokenManager> {
	const auth = makeManager({apiOrigins: [API_ORIGIN], ...options});
	await auth.setTokens(server().login());
	return auth;
}

/** Move the clock as a laptop waking from sleep does: Date jumps, no timer fires. */
function sleepFor(ms: number): void {
	vi.useFakeTimers({toFake: ['Date'], now: Date.now()});
	vi.setSystemTime(Date.now() + ms);
}

const HOUR = 3_600_000;

describe('auth.fetch: which requests get the bearer token', () => {
	test('the test page is where the other tests assume it is', () => {
		expect(location.origin).toBe(PAGE_ORIGIN);
	});

	test.each([
		['the page, absolute', `${PAGE_ORIGIN}/me`, `${PAGE_ORIGIN}/me`],
		['the page, root-relative', '/me', `${PAGE_ORIGIN}/me`],
		['the page, path-relative', 'me?x=1', `${PAGE_ORIGIN}/app/me?x=1`],
		['the page, dot-relative', '../me', `${PAGE_ORIGIN}/me`],
		['a listed API origin', `${API_ORIGIN}/me`, `${API_ORIGIN}/me`],
		['a listed API origin with its default port spelled out', 'https://api.example.com:443/me', `${API_ORIGIN}/me`],
		['a listed API origin in upper case', 'https://API.Example.COM/me', `${API_ORIGIN}/me`],
	])('%s: %s', async (_name, url, received) => {
		const auth = await signedIn();
		expect(auth.isAllowedUrl(url)).toBe(true);
		const response = await auth.fetch(url);
		expect(response.status).toBe(200);
		expect(api().calls).toHaveLength(1);
		expect(api().calls[0]).toMatchObject({url: received, authorization: 'Bearer at-1'});
	});

	test.each(Object.entries(FOREIGN_ORIGINS))('never to %s (%s)', async (_name, origin) => {
		const auth = await signedIn();
		const url = `${origin}/me`;
		expect(auth.isAllowedUrl(url)).toBe(false);
		const response = await auth.fetch(url, {headers: {'x-trace': 'abc'}});
		expect(response.status).toBe(200);
		expect(api().calls).toHaveLength(1);
		expect(api().calls[0]).toMatchObject({origin, authorization: null});
		expect(api().calls[0]!.headers.get('x-trace')).toBe('abc');
	});

	test.each([
		['credentials before a foreign host', 'https://api.example.com@evil.test/me'],
		['the API origin in the query of a foreign URL', 'https://evil.test/?next=https://api.example.com/'],
		['the API origin in the path of a foreign URL', 'https://evil.test/https://api.example.com/'],
		['a non-http scheme on the API host', 'ftp://api.example.com/me'],
		['a data URL', 'data:text/plain,hello'],
		['a blob-like URL', 'blob:https://evil.test/123'],
		['garbage', 'http://'],
	])('isAllowedUrl refuses %s', async (_name, url) => {
		const auth = await signedIn();
		expect(auth.isAllowedUrl(url)).toBe(false);
		expect(auth.isAllowedUrl(new URL('https://api.example.com.evil.test/'))).toBe(false);
	});

	test('a foreign request goes out untouched, its own Authorization included, and never waits for a token', async () => {
		const auth = await signedIn();
		sleepFor(2 * HOUR); // the access token is expired: an allowed request would refresh first
		const response = await auth.fetch(`${FOREIGN_ORIGINS.foreign}/upload?q=1`, {
			method: 'PUT',
			headers: {authorization: 'Basic Zm9vOmJhcg==', 'content-type': 'text/csv'},
			body: 'a,b\n1,2',
		});
		expect(response.status).toBe(200);
		expect(api().calls).toEqual([expect.objectContaining({
			method: 'PUT',
			url: `${FOREIGN_ORIGINS.foreign}/upload?q=1`,
			authorization: 'Basic Zm9vOmJhcg==',
			contentType: 'text/csv',
			body: 'a,b\n1,2',
		})]);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('a foreign 401 is returned as is: no refresh, no retry', async () => {
		const auth = await signedIn();
		api().respondNext(() => new HttpResponse('no', {status: 401}));
		const response = await auth.fetch(`${FOREIGN_ORIGINS.lookalike}/me`);
		expect(response.status).toBe(401);
		expect(api().calls).toHaveLength(1);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('foreign requests never start a token fetch, even for a reloaded tab that has no access token yet', async () => {
		const first = await signedIn();
		first.destroy();
		const reloaded = makeManager({apiOrigins: [API_ORIGIN]});
		await reloaded.ready;
		const spy = vi.spyOn(reloaded, 'getAccessToken');
		await reloaded.fetch(`${FOREIGN_ORIGINS.foreign}/a`);
		await reloaded.fetch(new URL(`${FOREIGN_ORIGINS.otherPort}/b`));
		await reloaded.fetch(new Request(`${FOREIGN_ORIGINS.otherScheme}/c`));
		expect(spy).not.toHaveBeenCalled();
		expect(api().tokens()).toEqual([undefined, undefined, undefined]);
	});
});

describe('auth.fetch: inputs and what passes through', () => {
	test.each([
		['a string', () => `${API_ORIGIN}/items?id=7`],
		['a URL', () => new URL(`${API_ORIGIN}/items?id=7`)],
		['a Request', () => new Request(`${API_ORIGIN}/items?id=7`)],
	])('accepts %s', async (_name, input) => {
		const auth = await signedIn();
		const response = await auth.fetch(input());
		expect(response).toBeInstanceOf(Response);
		await expect(response.json()).resolves.toMatchObject({token: 'at-1', url: `${API_ORIGIN}/items?id=7`});
		expect(api().calls).toHaveLength(1);
	});

	test.each([
		['a string', (url: string) => url],
		['a URL', (url: string) => new URL(url)],
		['a Request', (url: string) => new Request(url)],
	])('a foreign %s is handed to fetch as it is', async (_name, input) => {
		const auth = await signedIn();
		const spy = vi.spyOn(globalThis, 'fetch');
		const value = input(`${FOREIGN_ORIGINS.foreign}/x`);
		const init = {headers: {'x-a': '1'}};
		await auth.fetch(value, init);
		expect(spy).toHaveBeenCalledTimes(1);
		expect(spy.mock.calls[0]![0]).toBe(value);
		expect(spy.mock.calls[0]![1]).toBe(init);
	});

	test('method, headers, body and request options the caller set all arrive', async () => {
		const auth = await signedIn();
		const spy = vi.spyOn(globalThis, 'fetch');
		await auth.fetch(`${API_ORIGIN}/items`, {
			method: 'PATCH',
			headers: {'x-request-id': 'r-1', accept: 'application/vnd.api+json', 'content-type': 'application/merge-patch+json'},
			body: '{"name":"n"}',
			credentials: 'include',
			redirect: 'manual',
			referrerPolicy: 'no-referrer',
			mode: 'cors',
		});
		const [call] = api().calls;
		expect(call).toMatchObject({method: 'PATCH', contentType: 'application/merge-patch+json', body: '{"name":"n"}', authorization: 'Bearer at-1'});
		expect(call!.headers.get('x-request-id')).toBe('r-1');
		expect(call!.headers.get('accept')).toBe('application/vnd.api+json');
		const sent = spy.mock.calls[0]![0];
		expect(sent).toBeInstanceOf(Request);
		expect(sent).toMatchObject({credentials: 'include', redirect: 'manual', referrerPolicy: 'no-referrer', mode: 'cors'});
	});

	test('init fields a Request does not keep still reach fetch, on the retry too', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		const spy = vi.spyOn(globalThis, 'fetch');
		// A runtime's own extension (Cloudflare's `cf`, Next.js's `next`): typed here as the app would.
		const init: RequestInit & {next: {revalidate: number}} = {next: {revalidate: 60}, headers: {'x-a': '1'}};
		const response = await auth.fetch(`${API_ORIGIN}/items`, init);
		expect(response.status).toBe(200);
		const apiCalls = spy.mock.calls.filter(([input]) => input instanceof Request && input.url.startsWith(API_ORIGIN));
		expect(apiCalls).toHaveLength(2);
		for (const [, extra] of apiCalls) expect(extra).toEqual({next: {revalidate: 60}});
	});

	test('the Request and init rules of fetch apply: init headers replace the Request\'s', async () => {
		const auth = await signedIn();
		const input = new Request(`${API_ORIGIN}/items`, {method: 'PUT', headers: {'x-from-request': '1'}, body: 'r'});
		await auth.fetch(input, {headers: {'x-from-init': '2'}});
		const [call] = api().calls;
		expect(call).toMatchObject({method: 'PUT', body: 'r', authorization: 'Bearer at-1'});
		expect(call!.headers.get('x-from-init')).toBe('2');
		expect(call!.headers.has('x-from-request')).toBe(false);
	});

	test('the response is the server\'s own, status, headers and body', async () => {
		const auth = await signedIn();
		api().respondNext(() => HttpResponse.json({created: true}, {status: 201, headers: {'x-server': 'yes', location: '/items/9'}}));
		const response = await auth.fetch(`${API_ORIGIN}/items`, {method: 'POST'});
		expect(response.status).toBe(201);
		expect(response.headers.get('x-server')).toBe('yes');
		await expect(response.json()).resolves.toEqual({created: true});
	});

	test('the caller\'s Authorization header wins: sent as is, and its 401 is not retried', async () => {
		const auth = await signedIn();
		api().respondNext(() => new HttpResponse('nope', {status: 401}));
		const response = await auth.fetch(`${API_ORIGIN}/me`, {headers: {Authorization: 'Bearer my-own'}});
		expect(response.status).toBe(401);
		await expect(response.text()).resolves.toBe('nope');
		expect(api().calls.map((call) => call.authorization)).toEqual(['Bearer my-own']);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('the caller\'s Authorization on a Request input wins too, whatever its case or scheme', async () => {
		const auth = await signedIn();
		await auth.fetch(new Request(`${API_ORIGIN}/me`, {headers: {authorization: 'Basic dTpw'}}));
		await auth.fetch('/me', {headers: new Headers({AUTHORIZATION: 'DPoP xyz'})});
		expect(api().calls.map((call) => call.authorization)).toEqual(['Basic dTpw', 'DPoP xyz']);
	});

	test('an explicit Authorization needs no session: it is sent even when signed out', async () => {
		const auth = makeManager({apiOrigins: [API_ORIGIN]});
		await auth.ready;
		api().respondNext(() => new HttpResponse('hello', {status: 200}));
		const response = await auth.fetch(`${API_ORIGIN}/me`, {headers: {authorization: 'Basic dTpw'}});
		await expect(response.text()).resolves.toBe('hello');
		expect(api().calls[0]?.authorization).toBe('Basic dTpw');
	});

	test('the caller\'s AbortSignal reaches the request and aborts it in flight', async () => {
		const auth = await signedIn();
		const held = gate();
		api().respondNext(async () => {
			await held.promise;
			return HttpResponse.json({late: true});
		});
		const controller = new AbortController();
		const spy = vi.spyOn(globalThis, 'fetch');
		const pending = auth.fetch(`${API_ORIGIN}/slow`, {signal: controller.signal});
		await api().received(1);
		const sent = spy.mock.calls[0]![0] as Request;
		expect(sent.signal.aborted).toBe(false);
		controller.abort(new DOMException('user left', 'AbortError'));
		expect(sent.signal.aborted).toBe(true);
		await expect(pending).rejects.toMatchObject({name: 'AbortError'});
		held.open();
	});

	test('an abort while the request waits for a token rejects at once, and nothing is sent', async () => {
		const auth = await signedIn();
		const held = gate();
		server().respondNext(async (call) => {
			await held.promise;
			return HttpResponse.json({access_token: 'at-late', token_type: 'Bearer', expires_in: 3600, refresh_token: `${call.refreshToken}-next`});
		});
		sleepFor(2 * HOUR);
		const controller = new AbortController();
		const pending = auth.fetch(`${API_ORIGIN}/me`, {signal: controller.signal});
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(1), {timeout: 5000});
		const reason = new DOMException('navigated away', 'AbortError');
		controller.abort(reason);
		await expect(pending).rejects.toBe(reason);
		held.open();
		// The refresh itself goes on for everybody else.
		await expect(auth.getAccessToken()).resolves.toBe('at-late');
		expect(api().calls).toHaveLength(0);
	});

	test('an already aborted signal rejects without starting a refresh or sending anything', async () => {
		const auth = await signedIn();
		sleepFor(2 * HOUR);
		const spy = vi.spyOn(auth, 'getAccessToken');
		const controller = new AbortController();
		controller.abort();
		await expect(auth.fetch(`${API_ORIGIN}/me`, {signal: controller.signal})).rejects.toMatchObject({name: 'AbortError'});
		expect(spy).not.toHaveBeenCalled();
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(server().refreshCalls).toHaveLength(0);
		expect(api().calls).toHaveLength(0);
	});
});

describe('auth.fetch: one retry after a 401', () => {
	type BodyCase = [name: string, make: () => {input: RequestInfo | URL; init?: RequestInit}, contentType: RegExp, contains: string[]];
	const url = `${API_ORIGIN}/items`;
	const bodies: BodyCase[] = [
		['a string', () => ({input: url, init: {method: 'POST', body: 'plain text'}}), /^text\/plain/, ['plain text']],
		['JSON', () => ({input: url, init: {method: 'POST', body: JSON.stringify({a: 1, b: [2]}), headers: {'content-type': 'application/json'}}}), /^application\/json$/, ['{"a":1,"b":[2]}']],
		['FormData', () => {
			const form = new FormData();
			form.append('name', 'value');
			form.append('file', new Blob(['file-content'], {type: 'text/plain'}), 'a.txt');
			return {input: url, init: {method: 'POST', body: form}};
		}, /^multipart\/form-data; boundary=/, ['name="name"', 'value', 'file-content']],
		['a Blob', () => ({input: url, init: {method: 'PUT', body: new Blob(['blob-bytes'], {type: 'application/octet-stream'})}}), /^application\/octet-stream$/, ['blob-bytes']],
		['URLSearchParams', () => ({input: url, init: {method: 'POST', body: new URLSearchParams({q: 'a b', n: '1'})}}), /^application\/x-www-form-urlencoded/, ['q=a+b&n=1']],
		['bytes', () => ({input: url, init: {method: 'POST', body: new TextEncoder().encode('raw-bytes')}}), /^$/, ['raw-bytes']],
		['a Request with a body', () => ({input: new Request(url, {method: 'POST', body: 'in the request', headers: {'content-type': 'text/x-custom'}})}), /^text\/x-custom$/, ['in the request']],
		['a Request with a FormData body', () => {
			const form = new FormData();
			form.append('field', 'in-request-form');
			return {input: new Request(url, {method: 'POST', body: form})};
		}, /^multipart\/form-data; boundary=/, ['in-request-form']],
	];

	test.each(bodies)('replays %s body on the retry, with the caller\'s headers', async (_name, make, contentType, contains) => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		const {input, init} = make();
		const withHeader = input instanceof Request ? new Request(input, {headers: [...input.headers, ['x-request-id', 'r-1']]}) : input;
		const response = await auth.fetch(withHeader, init && {...init, headers: [...new Headers(init.headers), ['x-request-id', 'r-1']]});
		expect(response.status).toBe(200);
		const [first, retry] = api().calls;
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(retry!.method).toBe(first!.method);
		expect(retry!.body).toBe(first!.body);
		expect(retry!.contentType).toBe(first!.contentType);
		expect(first!.contentType ?? '').toMatch(contentType);
		expect([...retry!.headers]).toEqual([...first!.headers].map(([name, value]) => [name, name === 'authorization' ? 'Bearer at-2' : value]));
		expect(retry!.headers.get('x-request-id')).toBe('r-1');
		for (const part of contains) expect(retry!.body).toContain(part);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a ReadableStream body is sent once, not retried, and a warning says so', async () => {
		const auth = await signedIn();
		const warnings = record(auth, 'warning');
		api().rejected.add('at-1');
		const refreshed = next(auth, 'token');
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('streamed'));
				controller.close();
			},
		});
		// `duplex` is required by browsers for a stream body; the DOM typings here lack it.
		const init: RequestInit & {duplex: 'half'} = {method: 'POST', body, duplex: 'half'};
		const response = await auth.fetch(`${API_ORIGIN}/upload`, init);
		expect(response.status).toBe(401);
		expect(api().calls).toHaveLength(1);
		expect(api().calls[0]).toMatchObject({token: 'at-1', body: 'streamed'});
		expect(warnings).toEqual([expect.objectContaining({code: 'request-not-retried'})]);
		expect(warnings[0]!.message).toContain(`${API_ORIGIN}/upload`);
		// The rejected token is replaced anyway, so the next request does not meet the same 401.
		await refreshed;
		await expect(auth.fetch(`${API_ORIGIN}/again`)).resolves.toMatchObject({status: 200});
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a stream inside a Request input is cloned like any Request body, so it is retried', async () => {
		const auth = await signedIn();
		const warnings = record(auth, 'warning');
		api().rejected.add('at-1');
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('streamed in a request'));
				controller.close();
			},
		});
		const init: RequestInit & {duplex: 'half'} = {method: 'POST', body, duplex: 'half'};
		const response = await auth.fetch(new Request(`${API_ORIGIN}/upload`, init));
		expect(response.status).toBe(200);
		expect(api().calls.map((call) => [call.token, call.body])).toEqual([['at-1', 'streamed in a request'], ['at-2', 'streamed in a request']]);
		expect(warnings).toEqual([]);
	});

	test('a second 401 is returned to the caller as it is: one refresh, two requests, no loop', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		api().rejected.add('at-2');
		api().rejected.add('at-3');
		const response = await auth.fetch(`${API_ORIGIN}/me`);
		expect(response.status).toBe(401);
		expect(response.headers.get('www-authenticate')).toContain('invalid_token');
		await expect(response.json()).resolves.toEqual({error: 'invalid_token'});
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('only a 401 is retried: 403 and 500 are the caller\'s', async () => {
		const auth = await signedIn();
		api().respondNext(() => new HttpResponse(null, {status: 403}), () => new HttpResponse(null, {status: 500}));
		expect((await auth.fetch(`${API_ORIGIN}/a`)).status).toBe(403);
		expect((await auth.fetch(`${API_ORIGIN}/b`)).status).toBe(500);
		expect(api().calls).toHaveLength(2);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('a 401 for a token another refresh already replaced is retried with the current one, without a refresh', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		const held = gate();
		api().respondNext(async () => {
			await held.promise;
			return undefined; // then the default: 401 for at-1
		});
		const pending = auth.fetch(`${API_ORIGIN}/slow`);
		await api().received(1);
		// Meanwhile something else found at-1 rejected and refreshed.
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).resolves.toBe('at-2');
		expect(server().refreshCalls).toHaveLength(1);
		held.open();
		const response = await pending;
		expect(response.status).toBe(200);
		expect(api().tokens()).toEqual(['at-1', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('20 concurrent requests meeting a 401 share exactly one refresh', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		const responses = await Promise.all(Array.from({length: 20}, (_, i) => auth.fetch(`${API_ORIGIN}/items/${i}`)));
		expect(responses.map((response) => response.status)).toEqual(Array.from({length: 20}, () => 200));
		expect(server().refreshCalls).toHaveLength(1);
		expect(server().reuses).toEqual([]);
		const tokens = api().tokens();
		expect(tokens.filter((token) => token === 'at-1')).toHaveLength(20);
		expect(tokens.filter((token) => token === 'at-2')).toHaveLength(20);
		expect(tokens).toHaveLength(40);
	});

	test('3 tabs meeting a 401 for the same token at once make one refresh between them', async () => {
		const tabs = Array.from({length: 3}, () => makeManager({apiOrigins: [API_ORIGIN]}));
		await Promise.all(tabs.map((tab) => tab.ready));
		await tabs[0]!.setTokens(server().login());
		await expect.poll(async () => Promise.all(tabs.map((tab) => tab.getAccessToken().catch(() => 'none')))).toEqual(['at-1', 'at-1', 'at-1']);
		api().rejected.add('at-1');
		const responses = await Promise.all(tabs.flatMap((tab) => Array.from({length: 5}, () => tab.fetch(`${API_ORIGIN}/me`))));
		expect(responses.map((response) => response.status)).toEqual(Array.from({length: 15}, () => 200));
		expect(server().refreshCalls).toHaveLength(1);
		expect(server().reuses).toEqual([]);
		expect(api().tokens().filter((token) => token === 'at-2')).toHaveLength(15);
	});

	test('20 concurrent requests against an API that rejects every token: 40 requests, 1 refresh, all 401', async () => {
		const auth = await signedIn();
		for (const token of ['at-1', 'at-2', 'at-3', 'at-4']) api().rejected.add(token);
		const responses = await Promise.all(Array.from({length: 20}, () => auth.fetch(`${API_ORIGIN}/me`)));
		expect(new Set(responses.map((response) => response.status))).toEqual(new Set([401]));
		expect(api().calls).toHaveLength(40);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a refresh refused with invalid_grant ends the session: the 401 is returned, later requests reject unsent', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		server().respondNext(() => HttpResponse.json({error: 'invalid_grant'}, {status: 400}));
		const response = await auth.fetch(`${API_ORIGIN}/me`);
		expect(response.status).toBe(401);
		expect(auth.state).toBe('signed-out');
		await expect(auth.fetch(`${API_ORIGIN}/me`)).rejects.toBeInstanceOf(SignedOutError);
		expect(api().calls).toHaveLength(1);
	});

	test('a refresh that fails for now (503) leaves the 401 with the caller, sent once', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		server().respondNext(() => new HttpResponse('busy', {status: 503}));
		const response = await auth.fetch(`${API_ORIGIN}/me`);
		expect(response.status).toBe(401);
		expect(api().calls).toHaveLength(1);
		expect(auth.state).toBe('signed-in');
	});

	test('an abort while the retry waits for the refresh rejects with the abort reason', async () => {
		const auth = await signedIn();
		api().rejected.add('at-1');
		const held = gate();
		server().respondNext(async (call) => {
			await held.promise;
			return HttpResponse.json({access_token: 'at-x', token_type: 'Bearer', expires_in: 3600, refresh_token: `${call.refreshToken}-next`});
		});
		const controller = new AbortController();
		const pending = auth.fetch(`${API_ORIGIN}/me`, {signal: controller.signal});
		await vi.waitFor(() => expect(server().refreshCalls).toHaveLength(1), {timeout: 5000});
		const reason = new Error('cancelled');
		controller.abort(reason);
		await expect(pending).rejects.toBe(reason);
		held.open();
		expect(api().calls).toHaveLength(1);
	});
});

describe('auth.fetch: signed out', () => {
	test.each([
		['the page origin', `${PAGE_ORIGIN}/me`],
		['a relative URL', 'me'],
		['a listed API origin', `${API_ORIGIN}/me`],
	])('a request to %s rejects with SignedOutError and is not sent', async (_name, url) => {
		const auth = makeManager({apiOrigins: [API_ORIGIN]});
		await expect(auth.fetch(url)).rejects.toBeInstanceOf(SignedOutError);
		await expect(auth.fetch(new Request(new URL(url, location.href)))).rejects.toBeInstanceOf(SignedOutError);
		expect(api().calls).toHaveLength(0);
		expect(server().refreshCalls).toHaveLength(0);
	});

	test('foreign origins are still fetched', async () => {
		const auth = makeManager({apiOrigins: [API_ORIGIN]});
		await auth.ready;
		const response = await auth.fetch(`${FOREIGN_ORIGINS.foreign}/public`);
		expect(response.status).toBe(200);
		expect(api().calls).toEqual([expect.objectContaining({authorization: null})]);
	});

	test('after logout, allowed requests reject unsent and foreign ones still work', async () => {
		const auth = await signedIn();
		await auth.fetch(`${API_ORIGIN}/before`);
		await auth.logout();
		await expect(auth.fetch(`${API_ORIGIN}/after`)).rejects.toBeInstanceOf(SignedOutError);
		await expect(auth.fetch(`${FOREIGN_ORIGINS.evil}/after`)).resolves.toMatchObject({status: 200});
		expect(api().calls.map((call) => call.url)).toEqual([`${API_ORIGIN}/before`, `${FOREIGN_ORIGINS.evil}/after`]);
	});
});

describe('auth.fetch: a token known to be dead is never sent', () => {
	test('an expired token: the request waits for the refresh and carries the new token', async () => {
		const auth = await signedIn();
		sleepFor(HOUR + 1000);
		const response = await auth.fetch(`${API_ORIGIN}/me`);
		expect(response.status).toBe(200);
		expect(api().tokens()).toEqual(['at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a token due for refresh (inside the leeway) is refreshed before the request goes out', async () => {
		const auth = await signedIn({refreshLeewaySeconds: 60});
		sleepFor(HOUR - 30_000);
		await auth.fetch(`${API_ORIGIN}/me`);
		expect(api().tokens()).toEqual(['at-2']);
	});

	test('concurrent requests with a due token share the one refresh', async () => {
		const auth = await signedIn();
		sleepFor(2 * HOUR);
		await Promise.all(Array.from({length: 5}, () => auth.fetch(`${API_ORIGIN}/me`)));
		expect(api().tokens()).toEqual(['at-2', 'at-2', 'at-2', 'at-2', 'at-2']);
		expect(server().refreshCalls).toHaveLength(1);
	});

	test('a reloaded tab\'s first request waits for its first access token', async () => {
		const first = await signedIn();
		first.destroy();
		const reloaded = makeManager({apiOrigins: [API_ORIGIN]});
		const response = await reloaded.fetch(`${API_ORIGIN}/me`);
		expect(response.status).toBe(200);
		expect(api().tokens()).toEqual(['at-2']);
	});
});
