import type {ResolvedOptions} from '../core/options.js';
import {timeoutSignal} from '../utils/timeout.js';

/** RFC 7009 revocation of a refresh token. Rejects on a network error or a non-2xx answer. */
export async function revokeRefreshToken(options: ResolvedOptions, refreshToken: string): Promise<void> {
	if (options.revocationEndpoint === undefined) return;
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
		if (!response.ok) throw new Error(`revocation endpoint: HTTP ${response.status}`);
	} finally {
		timeout.clear();
	}
}
