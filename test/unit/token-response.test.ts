import {describe, expect, test} from 'vitest';
import {InvalidResponseError} from '../../src/index.js';
import {parseTokenResponse} from '../../src/tokens/token-set.js';
import {jwt} from '../helpers/jwt.js';

const now = 1_800_000_000_000;

describe('parseTokenResponse', () => {
	test('expires_in counts from the local receipt time, whatever the server clock says', () => {
		const set = parseTokenResponse({access_token: 'a', token_type: 'Bearer', expires_in: 300}, now);
		expect(set.expiresAt).toBe(now + 300_000);
	});

	test('a numeric-string expires_in is accepted', () => {
		expect(parseTokenResponse({access_token: 'a', expires_in: '3599'}, now).expiresAt).toBe(now + 3_599_000);
	});

	test('without expires_in, a JWT exp is moved onto the local clock by the iat offset', () => {
		// The server clock is two hours ahead: exp is in the local future by 2h 5min, but the token lives 5 min.
		const serverNow = now / 1000 + 7200;
		const token = jwt({iat: serverNow, exp: serverNow + 300});
		expect(parseTokenResponse({access_token: token}, now).expiresAt).toBe(now + 300_000);
	});

	test('a server clock one hour behind does not make a fresh JWT look expired', () => {
		const serverNow = now / 1000 - 3600;
		const token = jwt({iat: serverNow, exp: serverNow + 600});
		expect(parseTokenResponse({access_token: token}, now).expiresAt).toBe(now + 600_000);
	});

	test('a JWT with exp but no iat is taken at its word', () => {
		const token = jwt({exp: now / 1000 + 120});
		expect(parseTokenResponse({access_token: token}, now).expiresAt).toBe(now + 120_000);
	});

	test('expires_in wins over the JWT exp', () => {
		const token = jwt({iat: now / 1000, exp: now / 1000 + 9999});
		expect(parseTokenResponse({access_token: token, expires_in: 60}, now).expiresAt).toBe(now + 60_000);
	});

	test('neither expires_in nor a JWT: expiry unknown (refresh on 401 only)', () => {
		expect(parseTokenResponse({access_token: 'opaque-token'}, now).expiresAt).toBeUndefined();
		expect(parseTokenResponse({access_token: 'a.b.c'}, now).expiresAt).toBeUndefined();
		expect(parseTokenResponse({access_token: jwt({sub: 'x'})}, now).expiresAt).toBeUndefined();
	});

	test('refresh token, scope, id token and the refresh-token lifetime fields are read', () => {
		const set = parseTokenResponse({
			access_token: 'a', token_type: 'bearer', refresh_token: 'r', scope: 'openid api', id_token: 'i.d.t', refresh_expires_in: 1800,
		}, now);
		expect(set).toMatchObject({refreshToken: 'r', scope: 'openid api', idToken: 'i.d.t', refreshExpiresAt: now + 1_800_000});
		expect(parseTokenResponse({access_token: 'a', refresh_token_expires_in: 60}, now).refreshExpiresAt).toBe(now + 60_000);
		// Keycloak's offline tokens: refresh_expires_in 0 means "does not expire".
		expect(parseTokenResponse({access_token: 'a', refresh_expires_in: 0}, now).refreshExpiresAt).toBeUndefined();
	});

	test('null optional fields are treated as absent', () => {
		const set = parseTokenResponse({access_token: 'a', refresh_token: null, expires_in: null, scope: null}, now);
		expect(set).toMatchObject({refreshToken: undefined, expiresAt: undefined, scope: undefined});
	});

	test.each([
		['a string (HTML)', '<html>502 Bad Gateway</html>'],
		['null', null],
		['an array', [{access_token: 'a'}]],
		['no access_token', {token_type: 'Bearer', expires_in: 60}],
		['an empty access_token', {access_token: ''}],
		['a numeric access_token', {access_token: 42}],
		['an access_token with a newline (header injection)', {access_token: 'a\r\nX-Evil: 1'}],
		['an access_token with a space', {access_token: 'a b'}],
		['an oversized access_token', {access_token: 'a'.repeat(70_000)}],
		['a token_type other than Bearer', {access_token: 'a', token_type: 'DPoP'}],
		['a non-string token_type', {access_token: 'a', token_type: 1}],
		['a negative expires_in', {access_token: 'a', expires_in: -5}],
		['a non-numeric expires_in', {access_token: 'a', expires_in: 'soon'}],
		['an infinite expires_in', {access_token: 'a', expires_in: Number.POSITIVE_INFINITY}],
		['a numeric refresh_token', {access_token: 'a', refresh_token: 7}],
		['an object scope', {access_token: 'a', scope: {x: 1}}],
		['an access_token only on the prototype', Object.create({access_token: 'a'}) as object],
	])('rejects %s with InvalidResponseError', (_label, json) => {
		expect(() => parseTokenResponse(json, now)).toThrow(InvalidResponseError);
	});

	test('a __proto__ key in the JSON neither pollutes nor supplies fields', () => {
		const json: unknown = JSON.parse('{"__proto__": {"access_token": "evil", "polluted": true}, "access_token": "good"}');
		const set = parseTokenResponse(json, now);
		expect(set.accessToken).toBe('good');
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(() => parseTokenResponse(JSON.parse('{"__proto__": {"access_token": "evil"}}'), now)).toThrow(InvalidResponseError);
	});
});
