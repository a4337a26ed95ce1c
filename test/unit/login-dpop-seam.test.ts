/**
 * The code exchange's DPoP seam on its own: each attempt carries a proof from the proof source
 * (in the app, `Login#dpopProofSource`: the manager's pending key) and one `use_dpop_nonce`
 * answer is retried with the server's nonce. The whole path, with the manager's key and a real
 * server, is test/interop/dpop.test.ts.
 */
import {HttpResponse} from 'msw';
import {beforeEach, expect, test} from 'vitest';
import {checkCallback, readCallback, takeCallbackFlow} from '../../src/login/callback.js';
import {exchangeCode, type DpopProofSource} from '../../src/login/code-exchange.js';
import {loadMetadata} from '../../src/login/server-metadata.js';
import {resolveLoginOptions} from '../../src/login/options.js';
import {captureNavigation, makeLogin, makeOidcManager, setPageUrl} from '../helpers/login.js';
import {APP_ORIGIN, OP, OP_CLIENT, REDIRECT_URI, useOidcServer} from '../helpers/oidc-server.js';

const server = useOidcServer();

beforeEach(() => {
	sessionStorage.clear();
	setPageUrl(`${APP_ORIGIN}/`);
});

async function exchangeWith(dpop: DpopProofSource) {
	const navigations = captureNavigation();
	await makeLogin(makeOidcManager()).redirect();
	const response = readCallback(server().authorize(navigations[0] ?? ''), REDIRECT_URI);
	if (!response) throw new Error('no callback');
	const options = resolveLoginOptions({issuer: OP, clientId: OP_CLIENT, redirectUri: REDIRECT_URI});
	const metadata = await loadMetadata(options);
	const flow = takeCallbackFlow(response, Date.now());
	return exchangeCode(metadata, options, checkCallback(response, flow, metadata, OP_CLIENT), flow, dpop);
}

test('every attempt carries a fresh proof; one use_dpop_nonce answer is retried with the server\'s nonce', async () => {
	const requests: Array<{url: string; nonce: string | undefined}> = [];
	const dpop: DpopProofSource = async ({method, url, nonce}) => {
		requests.push({url, nonce});
		return `proof-${method}-${requests.length}`;
	};
	server().respondNext(() => HttpResponse.json({error: 'use_dpop_nonce', error_description: 'nonce required'}, {status: 400, headers: {'DPoP-Nonce': 'n-1'}}));
	const tokens = await exchangeWith(dpop);
	expect(tokens.access_token).toBe('at-1');
	expect(requests).toEqual([
		{url: `${OP}/token`, nonce: undefined},
		{url: `${OP}/token`, nonce: 'n-1'},
	]);
	expect(server().exchanges.map((exchange) => exchange.headers.get('dpop'))).toEqual(['proof-POST-1', 'proof-POST-2']);
});

test('a second use_dpop_nonce is the server\'s answer, not a loop', async () => {
	const nonceError = () => HttpResponse.json({error: 'use_dpop_nonce'}, {status: 400, headers: {'DPoP-Nonce': 'n'}});
	server().respondNext(nonceError, nonceError);
	await expect(exchangeWith(async () => 'proof')).rejects.toMatchObject({code: 'exchange_failed', error: 'use_dpop_nonce'});
	expect(server().exchanges).toHaveLength(2);
});
