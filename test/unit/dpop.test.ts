// @vitest-environment-options {"url": "https://app.example.test/app/"}
import {calculateJwkThumbprint, decodeJwt, decodeProtectedHeader} from 'jose';
import {createStore, get} from 'idb-keyval';
import ky from 'ky';
import {http, HttpResponse} from 'msw';
import {describe, expect, test, vi} from 'vitest';
import {DpopError, InvalidResponseError, type TokenManager, type TokenManagerOptions} from '../../src/index.js';
import type {DpopClient} from '../../src/dpop/dpop-client.js';
import {withAuth} from '../../src/ky.js';
import {readMessage} from '../../src/tabs/messages.js';
import {API_ORIGIN} from '../helpers/api-server.js';
import {keepHeadersOnClone} from '../helpers/clone-headers.js';
import {useDpopServer} from '../helpers/dpop-server.js';
import {makeManager} from '../helpers/managers.js';
import {mswServer, TOKEN_URL, useTokenServer} from '../helpers/token-server.js';

useTokenServer();
const server = useDpopServer();
keepHeadersOnClone();

const ME = `${API_ORIGIN}/me`;

/** The thumbprint of the key in a proof's header. */
async function jktOf(proof: string): Promise<string> {
	return calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as never);
}

/** A tab signed in as a login with DPoP is: the code exchange signed while signed out, then setTokens. */
async function signedIn(options: TokenManagerOptions = {}): Promise<TokenManager> {
	const auth = makeManager({apiOrigins: [API_ORIGIN], dpop: true, ...options});
	const exchangeProof = await auth.createDpopProof('POST', TOKEN_URL);
	await auth.setTokens(server().login(await jktOf(exchangeProof)));
	return auth;
}

/** The manager's DPoP client (its `dpop` option is on). */
async function dpopOf(auth: TokenManager): Promise<DpopClient> {
	const dpop = await auth._dpop();
	if (!dpop) throw new Error('dpop is off');
	return dpop;
}

/** The stored record of manager `name`, as IndexedDB holds it. */
async function storedRecord(name = 'default'): Promise<Record<string, unknown> | undefined> {
	return get<Record<string, unknown>>('session', createStore(`token-baton:${name}`, 'session'));
}

describe('proofs follow RFC 9449', () => {
	test('header and claims of a proof for an API request', async () => {
		const auth = await signedIn();
		const before = Math.floor(Date.now() / 1000);
		const proof = await auth.createDpopProof('get', 'https://api.example.com/orders/7?page=2#top', {accessToken: 'at-1', nonce: 'n-9'});
		const header = decodeProtectedHeader(proof);
		expect(header).toMatchObject({typ: 'dpop+jwt', alg: 'ES256', jwk: {kty: 'EC', crv: 'P-256'}});
		// The public key only: no private member ever goes into a proof.
		expect(Object.keys(header.jwk!).sort()).toEqual(['crv', 'kty', 'x', 'y']);
		const claims = decodeJwt(proof);
		expect(claims).toMatchObject({htm: 'GET', htu: 'https://api.example.com/orders/7', nonce: 'n-9'});
		expect(claims.iat).toBeGreaterThanOrEqual(before);
		expect(claims.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
		// ath: base64url(SHA-256(access token)), RFC 9449 §4.2.
		const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('at-1'))).toString('base64url');
		expect(claims.ath).toBe(ath);
		expect(typeof claims.jti).toBe('string');
		expect((claims.jti as string).length).toBeGreaterThanOrEqual(16);
	});

	test('every proof has its own jti; without an access token there is no ath; relative URLs resolve against the page', async () => {
		const auth = await signedIn();
		const proofs = await Promise.all(Array.from({length: 20}, async () => auth.createDpopProof('POST', '/api/x?q=1')));
		expect(new Set(proofs.map((proof) => decodeJwt(proof).jti)).size).toBe(20);
		expect(decodeJwt(proofs[0]!)).not.toHaveProperty('ath');
		expect(decodeJwt(proofs[0]!).htu).toBe('https://app.example.test/api/x');
	});

	test('the private key is non-extractable and the same key signs every proof of a session', async () => {
		const auth = await signedIn();
		const dpop = await dpopOf(auth);
		const key = await dpop.key();
		expect(key.privateKey.extractable).toBe(false);
		await expect(crypto.subtle.exportKey('jwk', key.privateKey)).rejects.toThrow();
		const jkt = await dpop.thumbprint();
		expect(await jktOf(await auth.createDpopProof('GET', ME))).toBe(jkt);
	});
});

describe('the key lives with the session', () => {
	test('signed out, proofs use a pending key that setTokens adopts: the refresh is accepted with it', async () => {
		const auth = await signedIn();
		const jkt = await (await dpopOf(auth)).thumbprint();
		expect(await auth.getAccessToken({rejectedToken: 'at-1'})).toBe('at-2');
		expect(server().tokenCalls).toHaveLength(1);
		expect(server().tokenCalls[0]!.proof).toMatchObject({ok: true, jkt});
	});

	test('stored with the session: another tab and a reload sign with the same key', async () => {
		const first = await signedIn();
		const jkt = await (await dpopOf(first)).thumbprint();
		const record = await storedRecord();
		expect((record!.dpopKey as CryptoKeyPair).privateKey).toBeInstanceOf(CryptoKey);
		const second = makeManager({apiOrigins: [API_ORIGIN], dpop: true});
		await second.ready;
		expect(second.state).toBe('signed-in');
		expect(await jktOf(await second.createDpopProof('GET', ME))).toBe(jkt);
		await expect(second.fetch(ME)).resolves.toMatchObject({status: 200});
		expect(server().apiCalls.at(-1)!.proof).toMatchObject({ok: true, jkt});
		// The second tab's own refresh is bound to the same key, and the key survives the rotation.
		await second.getAccessToken({rejectedToken: await second.getAccessToken()});
		expect(server().tokenCalls.at(-1)!.proof).toMatchObject({ok: true, jkt});
		expect(((await storedRecord())!.dpopKey as CryptoKeyPair).publicKey).toBeInstanceOf(CryptoKey);
	});

	test('logout deletes the key; the next login makes a new one', async () => {
		const auth = await signedIn();
		const jkt = await (await dpopOf(auth)).thumbprint();
		await auth.logout();
		expect(await storedRecord()).not.toHaveProperty('dpopKey');
		expect(server().revokeCalls).toHaveLength(1);
		expect(server().revokeCalls[0]!.proof).toMatchObject({ok: true, jkt});
		const next = await auth.createDpopProof('POST', TOKEN_URL);
		expect(await jktOf(next)).not.toBe(jkt);
		await auth.setTokens(server().login(await jktOf(next)));
		expect(await (await dpopOf(auth)).thumbprint()).toBe(await jktOf(next));
	});

	test('an ended session (invalid_grant) leaves no key behind', async () => {
		const auth = makeManager({dpop: true});
		const signedOut = new Promise((resolve) => auth.on('signed-out', resolve));
		// A refresh token the server does not know: the refresh ends the session with invalid_grant.
		await auth.setTokens({access_token: 'at-x', token_type: 'DPoP', expires_in: 3600, refresh_token: 'rt-unknown'});
		await auth.getAccessToken({rejectedToken: 'at-x'}).catch(() => {});
		await signedOut;
		expect(await storedRecord()).not.toHaveProperty('dpopKey');
	});
});

describe('without IndexedDB', () => {
	test('the key lives in memory with the session; a tab without it does not end the session for the tab that has it', async () => {
		vi.stubGlobal('indexedDB', undefined);
		// Open before the login: without storage, a tab opened later would not find the session.
		const second = makeManager({apiOrigins: [API_ORIGIN], dpop: true});
		await second.ready;
		const first = await signedIn();
		// The login reached the second tab over the channel; the key did not (it is in the first tab's memory).
		await expect.poll(() => second.state).toBe('signed-in');
		const errors: unknown[] = [];
		second.on('error', ({error}) => errors.push(error));
		await expect(second.getAccessToken({rejectedToken: 'at-1'})).rejects.toBeDefined();
		expect(errors).toEqual([expect.objectContaining({code: 'ERR_DPOP', problem: 'no-key'})]);
		expect(server().tokenCalls).toHaveLength(0);
		expect(first.state).toBe('signed-in');
		expect(second.state).toBe('signed-in');
		// The tab that logged in refreshes with its key as usual.
		expect(await first.getAccessToken({rejectedToken: 'at-1'})).toBe('at-2');
		expect(server().tokenCalls.at(-1)!.proof).toMatchObject({ok: true});
	});
});

describe('token_type', () => {
	test('with dpop on, a Bearer token response is refused with DpopError and starts nothing', async () => {
		const auth = makeManager({dpop: true});
		await auth.ready;
		const error = await auth.setTokens({access_token: 'a', token_type: 'Bearer', refresh_token: 'r'}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DpopError);
		expect(error).toMatchObject({code: 'ERR_DPOP', problem: 'not-bound', name: 'DpopError'});
		expect(auth.state).toBe('signed-out');
		expect(await storedRecord()).toBeUndefined();
	});

	test('with dpop off, a DPoP token response stays refused (it would go out as a bearer token)', async () => {
		const auth = makeManager();
		await expect(auth.setTokens({access_token: 'a', token_type: 'DPoP'})).rejects.toBeInstanceOf(InvalidResponseError);
	});

	test('createDpopProof without the dpop option rejects with DpopError off', async () => {
		const auth = makeManager();
		await expect(auth.createDpopProof('GET', ME)).rejects.toMatchObject({code: 'ERR_DPOP', problem: 'off'});
	});

	test('a refresh answered with a Bearer token is an error, not a bearer token sent with proofs', async () => {
		const auth = await signedIn();
		server().tokenType = 'Bearer';
		const errors: unknown[] = [];
		auth.on('error', ({error}) => errors.push(error));
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).rejects.toBeDefined();
		expect(errors[0]).toMatchObject({problem: 'not-bound'});
	});
});

describe('auth.fetch and ky with DPoP', () => {
	test('Authorization: DPoP and a proof bound to the token, on every request to an allowed origin', async () => {
		const auth = await signedIn();
		const response = await auth.fetch(ME);
		expect(response.status).toBe(200);
		const call = server().apiCalls[0]!;
		expect(call.authorization).toBe('DPoP at-1');
		expect(call.proof).toMatchObject({ok: true, claims: {htm: 'GET', htu: ME}});
	});

	test('a foreign origin gets neither the token nor a proof', async () => {
		const auth = await signedIn();
		const seen: Array<string | null> = [];
		mswServer.use(http.all('https://other.example.net/*', ({request}) => {
			seen.push(request.headers.get('authorization'), request.headers.get('dpop'));
			return HttpResponse.text('ok');
		}));
		await auth.fetch('https://other.example.net/x');
		expect(seen).toEqual([null, null]);
	});

	test('use_dpop_nonce from the API: sent again once with the nonce; the nonce is kept for the next request', async () => {
		const auth = await signedIn();
		server().apiNonce = 'api-n1';
		expect((await auth.fetch(ME)).status).toBe(200);
		expect(server().apiCalls.map((call) => call.proof?.ok)).toEqual([false, true]);
		expect(decodeJwt(server().apiCalls[1]!.raw!).nonce).toBe('api-n1');
		// Known now: the next request carries it at once.
		expect((await auth.fetch(ME)).status).toBe(200);
		expect(server().apiCalls).toHaveLength(3);
		// No refresh for any of it.
		expect(server().tokenCalls).toHaveLength(0);
	});

	test('a server that keeps asking for a nonce gets one retry, no loop and no refresh', async () => {
		const auth = await signedIn();
		server().apiNonce = 'n';
		let count = 0;
		// Each answer names a new nonce: it is never the one the proof carried.
		const original = server().check.bind(server());
		server().check = async (raw, method, url, nonce, token) => {
			if (url.startsWith(API_ORIGIN)) server().apiNonce = `n-${++count}`;
			return original(raw, method, url, nonce === undefined ? undefined : `never-${count}`, token);
		};
		const response = await auth.fetch(ME);
		expect(response.status).toBe(401);
		expect(server().apiCalls).toHaveLength(2);
		expect(server().tokenCalls).toHaveLength(0);
	});

	test('a 401 invalid_token: one refresh (with a proof), then one retry with the new token and a new proof', async () => {
		const auth = await signedIn();
		server().expired.add('at-1');
		const response = await auth.fetch(ME, {method: 'POST', body: 'payload'});
		expect(response.status).toBe(200);
		expect(server().tokenCalls).toHaveLength(1);
		expect(server().apiCalls.map((call) => call.authorization)).toEqual(['DPoP at-1', 'DPoP at-2']);
		expect(server().apiCalls[1]!.proof).toMatchObject({ok: true});
	});

	test('nonce retry and refresh retry are separate: a nonce, then an expired token, still ends in one refresh and success', async () => {
		const auth = await signedIn();
		server().apiNonce = 'n-1';
		server().expired.add('at-1');
		const response = await auth.fetch(ME);
		expect(response.status).toBe(200);
		expect(server().apiCalls.map((call) => call.authorization)).toEqual(['DPoP at-1', 'DPoP at-1', 'DPoP at-2']);
		expect(server().tokenCalls).toHaveLength(1);
	});

	test('ky: DPoP header, a proof per attempt, and the nonce retry', async () => {
		const auth = await signedIn();
		server().apiNonce = 'ky-n';
		const api = withAuth(auth, ky);
		const body = await api.get(ME).json<{token: string}>();
		expect(body.token).toBe('at-1');
		expect(server().apiCalls.map((call) => call.proof?.ok)).toEqual([false, true]);
		expect(server().apiCalls.every((call) => call.authorization === 'DPoP at-1')).toBe(true);
	});

	test('ky: a 401 invalid_token refreshes once and retries with the new token', async () => {
		const auth = await signedIn();
		server().expired.add('at-1');
		const body = await withAuth(auth, ky).get(ME).json<{token: string}>();
		expect(body.token).toBe('at-2');
		expect(server().tokenCalls).toHaveLength(1);
	});
});

describe('nonces at the token endpoint', () => {
	test('a refresh answered 400 use_dpop_nonce is sent again once with the nonce, and succeeds', async () => {
		const auth = await signedIn();
		server().asNonce = 'as-1';
		expect(await auth.getAccessToken({rejectedToken: 'at-1'})).toBe('at-2');
		expect(server().tokenCalls.map((call) => call.proof?.ok)).toEqual([false, true]);
		expect(decodeJwt(server().tokenCalls[1]!.raw!).nonce).toBe('as-1');
	});

	test('a nonce sent with a successful answer is used for the next request without a round trip', async () => {
		const auth = await signedIn();
		server().asNonce = 'as-1';
		await auth.getAccessToken({rejectedToken: 'at-1'});
		// The server rotates its nonce and says so on a success (node-oidc-provider does, every minute).
		const next = server().tokenCalls.length;
		expect(await auth.getAccessToken({rejectedToken: 'at-2'})).toBe('at-3');
		expect(server().tokenCalls.slice(next).map((call) => call.proof?.ok)).toEqual([true]);
	});
});

describe('nonces are shared across tabs', () => {
	test('a nonce one tab learns is used by an open tab without its own use_dpop_nonce round trip', async () => {
		const first = await signedIn();
		const second = makeManager({apiOrigins: [API_ORIGIN], dpop: true});
		await second.ready;
		// The second tab's DPoP client is loaded (it asks the other tabs for their nonces then).
		await second.createDpopProof('GET', ME);
		server().apiNonce = 'shared-1';
		await first.fetch(ME);
		expect(server().apiCalls).toHaveLength(2);
		await expect.poll(async () => decodeJwt(await second.createDpopProof('GET', ME)).nonce).toBe('shared-1');
		expect((await second.fetch(ME)).status).toBe(200);
		expect(server().apiCalls.slice(2).map((call) => call.proof?.ok)).toEqual([true]);
	});

	test('a tab that starts later asks the open tabs for the nonces they know', async () => {
		const first = await signedIn();
		server().apiNonce = 'early-1';
		await first.fetch(ME);
		const later = makeManager({apiOrigins: [API_ORIGIN], dpop: true});
		await later.ready;
		expect(decodeJwt(await later.createDpopProof('GET', ME)).nonce).toBe('early-1');
	});

	test('hostile or malformed nonce messages are ignored', () => {
		const base = {protocol: 'token-baton', v: 1, from: 'other-tab', type: 'nonce'};
		expect(readMessage({...base, id: API_ORIGIN, reason: 'ok-nonce'}, 'me')).toMatchObject({type: 'nonce', id: API_ORIGIN, reason: 'ok-nonce'});
		expect(readMessage({...base}, 'me')).toMatchObject({type: 'nonce', id: undefined});
		expect(readMessage({...base, id: API_ORIGIN, reason: 'with space'}, 'me')).toBeUndefined();
		expect(readMessage({...base, id: API_ORIGIN, reason: 'x'.repeat(70_000)}, 'me')).toBeUndefined();
		expect(readMessage({...base, id: API_ORIGIN}, 'me')).toBeUndefined();
		expect(readMessage({...base, id: 42, reason: 'n'}, 'me')).toBeUndefined();
		expect(readMessage({...base, id: API_ORIGIN, reason: {toString: () => 'n'}}, 'me')).toBeUndefined();
	});
});

describe('custom refresh function', () => {
	test('the app signs its own refresh with createDpopProof; the response must be DPoP-bound', async () => {
		const auth = makeManager({tokenEndpoint: undefined, refresh: async () => HttpResponse.json({}).json(), dpop: true});
		await auth.ready;
		await expect(auth.setTokens({access_token: 'a', token_type: 'bearer'})).rejects.toMatchObject({problem: 'not-bound'});
		await auth.setTokens({access_token: 'a', token_type: 'dpop'});
		expect(auth.state).toBe('signed-in');
	});
});
