/**
 * Whether `response` asks to be sent again with its `DPoP-Nonce` (RFC 9449): an authorization
 * server's 400 `use_dpop_nonce` (§8), or a resource server's 401 with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` (§9). Without a nonce to retry with, it does not.
 */
export async function asksForNonce(response: Response): Promise<boolean> {
	if (!response.headers.get('dpop-nonce')) return false;
	if (response.status === 401) return /\berror="use_dpop_nonce"/.test(response.headers.get('www-authenticate') ?? '');
	if (response.status !== 400) return false;
	const body: unknown = await response.clone().json().catch(() => undefined);
	return typeof body === 'object' && body !== null && (body as {error?: unknown}).error === 'use_dpop_nonce';
}
