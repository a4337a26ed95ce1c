import type {ResolvedOptions} from '../core/options.js';
import {RevocationError} from '../errors/revocation-error.js';
import {timeoutSignal} from '../utils/timeout.js';

/**
 * RFC 7009 revocation of a refresh token. Never rejects: resolves to a `RevocationError`
 * (no response, or a non-2xx answer) or to undefined once the server confirmed.
 */
export async function revokeRefreshToken(options: ResolvedOptions, refreshToken: string): Promise<RevocationError | undefined> {
	if (options.revocationEndpoint === undefined) return undefined;
	const timeout = timeoutSignal(options.requestTimeoutSeconds * 1000);
	try {
		const body = new URLSearchParams({token: refreshToken, token_type_hint: 'refresh_token'});
		if (options.clientId !== undefined) body.set('client_id', options.clientId);
		const response = await fetch(options.revocationEndpoint, {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded'},
			body,
			signal: timeout.signal,
			credentials: 'omit',
			// Let the request finish when logout navigates away from the page.
			keepalive: true,
		});
		return response.ok ? undefined : new RevocationError({status: response.status});
	} catch (error) {
		return new RevocationError({cause: error});
	} finally {
		timeout.clear();
	}
}
