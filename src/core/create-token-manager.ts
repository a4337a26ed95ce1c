import type {TokenManagerOptions} from '../types/options.js';
import {TokenManager} from './token-manager.js';

/**
 * Create the token manager of this tab. Invalid options throw `InvalidOptionError` naming
 * the option. Managers with the same `name` in other tabs of the origin work as one.
 *
 * @example
 * ```ts
 * const auth = createTokenManager({
 *   tokenEndpoint: 'https://auth.example.com/oauth/token',
 *   clientId: 'my-spa',
 *   apiOrigins: ['https://api.example.com'],
 * });
 * await auth.ready;
 * const response = await auth.fetch('https://api.example.com/me');
 * ```
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
	return new TokenManager(options);
}
