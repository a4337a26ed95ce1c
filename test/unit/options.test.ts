import {describe, expect, test} from 'vitest';
import {createTokenManager, InvalidOptionError, type TokenManagerOptions} from '../../src/index.js';

const valid = {tokenEndpoint: 'https://auth.example.test/token', clientId: 'spa'};

function optionError(options: unknown): InvalidOptionError {
	try {
		// Deliberately ill-typed: what plain JavaScript or a bad config file would pass.
		createTokenManager(options as TokenManagerOptions);
	} catch (error) {
		if (error instanceof InvalidOptionError) return error;
		throw error;
	}

	throw new Error('createTokenManager accepted the options');
}

describe('options are validated at construction, naming the bad option', () => {
	test.each([
		['no options object', undefined, 'options'],
		['neither tokenEndpoint nor refresh', {clientId: 'spa'}, 'tokenEndpoint'],
		['both tokenEndpoint and refresh', {...valid, refresh: async () => ({})}, 'tokenEndpoint'],
		['refresh that is not a function', {refresh: 'https://x'}, 'refresh'],
		['tokenEndpoint without clientId', {tokenEndpoint: 'https://auth.example.test/token'}, 'clientId'],
		['tokenEndpoint that is not a URL', {...valid, tokenEndpoint: 'auth/token'}, 'tokenEndpoint'],
		['tokenEndpoint with a non-http scheme', {...valid, tokenEndpoint: 'javascript:alert(1)'}, 'tokenEndpoint'],
		['revocationEndpoint that is not a URL', {...valid, revocationEndpoint: '::'}, 'revocationEndpoint'],
		['revocationEndpoint without clientId', {refresh: async () => ({}), revocationEndpoint: 'https://auth.example.test/revoke'}, 'clientId'],
		['empty clientId', {...valid, clientId: ' '}, 'clientId'],
		['negative leeway', {...valid, refreshLeewaySeconds: -1}, 'refreshLeewaySeconds'],
		['leeway given in milliseconds', {...valid, refreshLeewaySeconds: 60_000_000}, 'refreshLeewaySeconds'],
		['NaN leeway', {...valid, refreshLeewaySeconds: Number.NaN}, 'refreshLeewaySeconds'],
		['leeway as a string', {...valid, refreshLeewaySeconds: '60'}, 'refreshLeewaySeconds'],
		['zero request timeout', {...valid, requestTimeoutSeconds: 0}, 'requestTimeoutSeconds'],
		['infinite lock timeout', {...valid, lockTimeoutSeconds: Number.POSITIVE_INFINITY}, 'lockTimeoutSeconds'],
		['zero refresh-token lifetime', {...valid, refreshTokenLifetimeSeconds: 0}, 'refreshTokenLifetimeSeconds'],
		['apiOrigins not an array', {...valid, apiOrigins: 'https://api.example.test'}, 'apiOrigins'],
		['apiOrigins entry with a path', {...valid, apiOrigins: ['https://api.example.test/v1']}, 'apiOrigins[0]'],
		['apiOrigins entry that is not a URL', {...valid, apiOrigins: ['https://ok.example.test', 'api.example.test']}, 'apiOrigins[1]'],
		['apiOrigins entry with a wildcard', {...valid, apiOrigins: ['https://*.example.test']}, 'apiOrigins[0]'],
		['refreshParams not an object', {...valid, refreshParams: 'scope=openid'}, 'refreshParams'],
		['refreshParams value not a string', {...valid, refreshParams: {scope: ['openid']}}, 'refreshParams.scope'],
		['refreshParams overriding the grant', {...valid, refreshParams: {refresh_token: 'x'}}, 'refreshParams.refresh_token'],
		['name too long', {...valid, name: 'x'.repeat(101)}, 'name'],
		['name empty', {...valid, name: ''}, 'name'],
		['encryptStorage not a boolean', {...valid, encryptStorage: 'yes'}, 'encryptStorage'],
		['a misspelt option', {...valid, refreshLeeway: 30}, 'refreshLeeway'],
	])('%s', (_label, options, option) => {
		const error = optionError(options);
		expect(error.option).toBe(option);
		expect(error.code).toBe('ERR_INVALID_OPTION');
		expect(error.message).toContain(`"${option}"`);
	});

	test('valid options construct a manager, with defaults for everything optional', async () => {
		const auth = createTokenManager({...valid, apiOrigins: ['https://api.example.test:8443'], refreshLeewaySeconds: 0});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
		expect(auth.isAllowedUrl('https://api.example.test:8443/x')).toBe(true);
		auth.destroy();
	});

	test('a custom refresh function needs no tokenEndpoint or clientId', async () => {
		const auth = createTokenManager({refresh: async () => ({access_token: 'a'})});
		await auth.ready;
		expect(auth.state).toBe('signed-out');
		auth.destroy();
	});
});
