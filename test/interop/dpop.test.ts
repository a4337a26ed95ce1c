/**
 * Interop (issue 16): DPoP (RFC 9449) in real Chromium tabs against the demo with `dpop: true`:
 * oidc-provider binds the tokens to the page's key and requires its nonces, and the demo API
 * checks every proof (signature, htm/htu, iat, jti, ath, nonce, the token's cnf.jkt).
 */
import {calculateJwkThumbprint, decodeProtectedHeader} from 'jose';
import {beforeAll, expect, test} from 'vitest';
import type {StealOutcome} from '../../demo/page/handle.js';
import type {DemoServer} from '../../demo/server/index.mjs';
import {refreshGrants, until, useInterop, type DemoTab} from './harness.js';

const interop = useInterop({dpop: true});
let demo: DemoServer;
beforeAll(() => {
	demo = interop.demo;
});

async function thumbprint(tab: DemoTab): Promise<string | undefined> {
	return tab.page.evaluate(async () => window.tokenBatonDemo?.dpopThumbprint());
}

async function steal(tab: DemoTab): Promise<StealOutcome> {
	return tab.page.evaluate(async () => {
		const handle = window.tokenBatonDemo;
		if (!handle) throw new Error('demo page not started');
		return handle.stealWithoutKey();
	});
}

/** The stored record of the demo's manager, as this tab's IndexedDB holds it: which fields, and whether a key pair is there. */
async function storedRecord(tab: DemoTab): Promise<{fields: string[]; hasKey: boolean} | undefined> {
	return tab.page.evaluate(async () => new Promise((resolve, reject) => {
		const open = indexedDB.open('token-baton:demo');
		open.onerror = () => reject(open.error);
		open.onsuccess = () => {
			const read = open.result.transaction('session').objectStore('session').get('session');
			read.onerror = () => reject(read.error);
			read.onsuccess = () => {
				const record = read.result as Record<string, unknown> | undefined;
				const key = record?.dpopKey as CryptoKeyPair | undefined;
				resolve(record && {fields: Object.keys(record).sort(), hasKey: key?.privateKey instanceof CryptoKey});
				open.result.close();
			};
		};
	}));
}

test('sign in with DPoP: the code exchange is signed (after the server asks for its nonce), and the API sees the key', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tab = await interop.openTab();
	await tab.login();
	const exchanges = demo.tokenRequests.filter((record) => record.grantType === 'authorization_code');
	expect(exchanges.map((record) => [record.status, record.error])).toEqual([[400, 'use_dpop_nonce'], [200, undefined]]);
	expect(await tab.callApi('ky')).toMatchObject({ok: true, status: 200, sub: 'alice'});
	expect(await tab.callApi('fetch')).toMatchObject({ok: true, status: 200});
	const jkt = await thumbprint(tab);
	expect(jkt).toMatch(/^[\w-]{43}$/);
	expect(demo.apiRequests.filter((record) => record.status === 200).map((record) => record.jkt)).toEqual([jkt, jkt]);
	// The page shows it.
	await until(async () => (await tab.page.textContent('#dpop-key')) === `jkt ${jkt}`, 5000, 'the thumbprint on the page');
	expect((await storedRecord(tab))?.hasKey).toBe(true);
});

test('four tabs use one key; a nonce one tab learns spares the others their own use_dpop_nonce round trip', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tabs = await interop.signedInTabs(4);
	const keys = await Promise.all(tabs.map(thumbprint));
	expect(new Set(keys).size).toBe(1);
	expect(keys[0]).toBeDefined();
	for (const tab of tabs) expect(await tab.callApi('fetch')).toMatchObject({ok: true, status: 200});
	expect(demo.apiRequests.filter((record) => record.status === 200).map((record) => record.jkt)).toEqual([keys[0], keys[0], keys[0], keys[0]]);
	// The API asked for its nonce once: the first tab's first call. The other tabs had learned it over the channel.
	expect(demo.apiRequests.filter((record) => record.nonce).length).toBe(1);
});

test('a 4-tab storm of 401s makes exactly one refresh, signed with the shared key', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const tabs = await interop.signedInTabs(4);
	await Promise.all(tabs.map(async (tab) => tab.callApi('ky')));
	demo.clearRecords();
	await demo.rejectIssuedAccessTokens();
	const outcomes = await Promise.all(tabs.map(async (tab) => tab.callApi('fetch')));
	expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, true]);
	const grants = refreshGrants(demo.tokenRequests);
	expect(grants.filter((record) => record.status === 200)).toHaveLength(1);
	// At most the server's nonce rotation (once a minute) costs one more round trip; never a refused grant.
	expect(grants.filter((record) => record.status !== 200).map((record) => record.error)).toEqual(grants.length > 1 ? ['use_dpop_nonce'] : []);
	expect(demo.revokedGrants).toEqual([]);
});

test('the refresh token and the access token replayed without the key are refused, and the session goes on', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const [tab] = await interop.signedInTabs(1);
	const outcome = await steal(tab!);
	expect(outcome.refreshWithoutProof).toMatchObject({status: 400, error: 'invalid_grant'});
	expect(outcome.refreshWithOtherKey).toMatchObject({status: 400, error: 'invalid_grant'});
	expect(outcome.accessAsBearer.ok).toBe(false);
	expect(outcome.accessWithOtherKey).toEqual({ok: false, reason: 'the access token is bound to another key (cnf.jkt)'});
	const refused = demo.tokenRequests.filter((record) => record.grantType === 'refresh_token' && record.status === 400 && record.error === 'invalid_grant');
	expect(refused.map((record) => record.detail).sort()).toEqual(['DPoP proof JWT not provided', 'failed jkt verification']);
	// Nothing was revoked: the real session refreshes with its key as before.
	expect(demo.revokedGrants).toEqual([]);
	await demo.rejectIssuedAccessTokens();
	expect(await tab!.callApi('fetch')).toMatchObject({ok: true, status: 200});
	expect(refreshGrants(demo.tokenRequests).filter((record) => record.status === 200)).toHaveLength(1);
});

test('logout deletes the key in every tab; the next login signs with a new one', async () => {
	await interop.newProfile({accessTokenTtl: 60});
	const [first, second] = await interop.signedInTabs(2);
	const before = await thumbprint(first!);
	await first!.page.evaluate(async () => window.tokenBatonDemo?.auth.logout());
	await second!.waitForState('signed-out', 5000);
	const record = await storedRecord(second!);
	expect(record?.hasKey ?? false).toBe(false);
	expect(record?.fields ?? []).not.toContain('dpopKey');
	// Signed out, proofs (for the next login's code exchange) come from a new key.
	const proof = await first!.page.evaluate(async (url) => window.tokenBatonDemo?.auth.createDpopProof('POST', url), demo.tokenEndpoint);
	const after = await calculateJwkThumbprint(decodeProtectedHeader(proof ?? '').jwk as never);
	expect(after).not.toBe(before);
});
