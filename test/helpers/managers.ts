import {afterEach} from 'vitest';
import {createTokenManager, type TokenManager, type TokenManagerEventName, type TokenManagerEvents, type TokenManagerOptions} from '../../src/index.js';
import {CLIENT_ID, REVOKE_URL, TOKEN_URL} from './token-server.js';

const created: TokenManager[] = [];
afterEach(() => {
	for (const manager of created.splice(0)) manager.destroy();
});

/** A manager against the test token server; destroyed after the test. Each one plays a tab. */
export function makeManager(options: TokenManagerOptions = {}): TokenManager {
	const manager = createTokenManager({
		tokenEndpoint: TOKEN_URL,
		clientId: CLIENT_ID,
		revocationEndpoint: REVOKE_URL,
		...options,
	});
	created.push(manager);
	return manager;
}

/** Every event of `name` the manager emits from now on. */
export function record<E extends TokenManagerEventName>(manager: TokenManager, name: E): Array<TokenManagerEvents[E]> {
	const events: Array<TokenManagerEvents[E]> = [];
	manager.on(name, (event) => events.push(event));
	return events;
}

/** Resolves on the next event of `name`. */
export function next<E extends TokenManagerEventName>(manager: TokenManager, name: E): Promise<TokenManagerEvents[E]> {
	return new Promise((resolve) => {
		const off = manager.on(name, (event) => {
			off();
			resolve(event);
		});
	});
}
