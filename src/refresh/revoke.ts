import type {ResolvedOptions} from '../core/options.js';
import {RevocationError} from '../errors/revocation-error.js';
import {timeoutSignal} from '../utils/timeout.js';
import type {DpopSigner} from './token-request.js';

/**
 * RFC 7009 revocation of a refresh token. Never rejects: resolves to a `RevocationError`
 * (no response, or a non-2xx answer) or to undefined once the server confirmed. With `dpop`,
 * a proof goes along (some servers check it; node-oidc-provider does not), sent again once
 * with the server's nonce when it asks for one.
 */
export async function revokeRefreshToken(options: ResolvedOptions, refreshToken: string, dpop?: DpopSigner): Promise<RevocationError | undefined> {
	const url = options.revocationEndpoint;
	if (url === undefined) return undefined;
	const timeout = timeoutSignal(options.requestTimeoutSeconds * 1000);
	try {
		const body = new URLSearchParams({token: refreshToken, token_type_hint: 'refresh_token'});
		if (options.clientId !== undefined) body.set('client_id', options.clientId);
		const init = {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded'},
			body,
			signal: timeout.signal,
			credentials: 'omit',
			// Let the request finish when logout navigates away from the page.
			keepalive: true,
		} as const;
		const response = await (dpop ? dpop.client.post(url, init, dpop.key) : fetch(url, init));
		return response.ok ? undefined : new RevocationError({status: response.status});
	} catch (error) {
		return new RevocationError({cause: error});
	} finally {
		timeout.clear();
	}
}
