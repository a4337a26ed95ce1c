/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the URL of the server's
 * `end_session_endpoint` that ends the user's session there.
 */
import type {AuthorizationServer} from 'oauth4webapi';

/**
 * The end-session URL, or undefined when the server has no such endpoint. It identifies the
 * app by `client_id`, not by `id_token_hint`: that would put the ID token in a URL (browser
 * history, server logs), which token-baton never does. Servers may then ask the user to confirm.
 */
export function endSessionUrl(metadata: AuthorizationServer, clientId: string, postLogoutRedirectUri: string | undefined): URL | undefined {
	const endpoint = metadata.end_session_endpoint;
	if (typeof endpoint !== 'string') return undefined;
	const url = new URL(endpoint);
	url.searchParams.set('client_id', clientId);
	if (postLogoutRedirectUri !== undefined) url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
	return url;
}
