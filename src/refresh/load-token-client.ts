/**
 * The token endpoint client (token-client.ts): everything a tab needs only once it has to
 * get a token, read or write the stored session, or revoke. The one lazy boundary of the
 * core; DEVELOPERS.md ("What loads when") says what lies on each side.
 */
export async function loadTokenClient(): Promise<typeof import('./token-client.js')> {
	return import('./token-client.js');
}
