/**
 * `createLogin`: the authorization code flow with PKCE in front of a token manager. It starts
 * logins (`redirect`), completes them on the redirect page (`handleCallback`, which hands the
 * token response to `auth.setTokens`, so every tab signs in) and ends them (`logout`).
 */
import type {AuthorizationServer} from 'oauth4webapi';
import type {TokenManager} from '../core/token-manager.js';
import {InvalidOptionError} from '../errors/invalid-option-error.js';
import {LoginError} from '../errors/login-error.js';
import {createAuthorizationRequest} from './authorization-request.js';
import {checkCallback, cleanAddressBar, readCallback, takeCallbackFlow, withoutResponseParams} from './callback.js';
import {exchangeCode, type DpopProofSource} from './code-exchange.js';
import {endSessionUrl} from './end-session.js';
import {saveFlow, sweepFlows, type Flow} from './flow-store.js';
import {checkParams, resolveLoginOptions, type AuthorizationParams, type LoginOptions, type ResolvedLoginOptions} from './options.js';
import {loadMetadata} from './server-metadata.js';

/** What the login needs from the token manager: a `TokenManager` fits, and so does a wrapper of one. */
export type LoginAuth = Pick<TokenManager, 'setTokens' | 'logout'> & Partial<Pick<TokenManager, '_dpop'>>;

/** Options of `login.redirect()`. */
export type RedirectOptions = {
	/**
	 * Where the app wants to be after the login: a path or URL of this page's origin, handed
	 * back by `handleCallback`. Default: the current page. Another origin throws
	 * `InvalidOptionError` (an open redirect otherwise).
	 */
	returnTo?: string;
	/**
	 * Extra authorization parameters for this login only, such as `{prompt: 'login'}`,
	 * `{login_hint: 'ada@example.com'}` or `{audience: '…'}`; they win over the `params` option.
	 */
	params?: AuthorizationParams;
};

/** What `handleCallback` resolves with after a completed login. */
export type CallbackResult = {
	/** The `returnTo` of the login this response completed: a path of this origin. */
	returnTo: string;
};

/** Options of `login.logout()`. */
export type LogoutOptions = {
	/**
	 * Where the authorization server sends the browser after its logout (registered for the
	 * client). Without an end-session endpoint, token-baton goes there itself.
	 */
	postLogoutRedirectUri?: string;
};

/** Login and logout for one client of one authorization server. Create it with `createLogin`. */
export class Login {
	readonly #auth: LoginAuth;
	readonly #options: ResolvedLoginOptions;
	#metadata: Promise<AuthorizationServer> | undefined;
	/** The callback under way: the addresses it answers for (the response's, and the cleaned one). */
	#pending: {urls: string[]; result: Promise<CallbackResult>} | undefined;

	/** Prefer `createLogin(auth, options)`; this is the same. */
	constructor(auth: LoginAuth, options: LoginOptions) {
		if (typeof auth !== 'object' || auth === null || typeof auth.setTokens !== 'function' || typeof auth.logout !== 'function') {
			throw new InvalidOptionError('auth', 'must be a token manager (createTokenManager)');
		}

		this.#auth = auth;
		this.#options = resolveLoginOptions(options);
	}

	/**
	 * Start a login: keep a new flow (PKCE S256 verifier, `state`, and a `nonce` for OpenID
	 * scopes) in this tab's sessionStorage and send the browser to the authorization endpoint.
	 * Resolves once the navigation has started. Rejects with `LoginError` (`discovery_failed`,
	 * `storage_unavailable`) or, for a bad `returnTo` or `params`, with `InvalidOptionError`.
	 */
	async redirect(options: RedirectOptions = {}): Promise<void> {
		const params = checkParams('params', options.params ?? {});
		const metadata = await this.#loadMetadata();
		const now = Date.now();
		const request = await createAuthorizationRequest(metadata, this.#options, {params, returnTo: options.returnTo}, now);
		sweepFlows(now);
		saveFlow(request.flow);
		location.assign(request.url.href);
	}

	/**
	 * Complete the login on the redirect page. Resolves with `undefined` when `url` (default: the
	 * current page) is not an authorization response for `redirectUri`. Otherwise the response is
	 * used up at once (its flow removed, `code` and `state` removed from the address bar), then
	 * checked (`state`, RFC 9207 `iss`, the server's `error`), the code exchanged once, the ID
	 * token's claims checked, and the token response handed to `auth.setTokens`: every tab signs
	 * in. Resolves with the login's `returnTo`; rejects with a `LoginError`.
	 *
	 * Called again while that is under way, for the same response or for the cleaned address
	 * (React's StrictMode runs effects twice), it returns the same promise.
	 */
	handleCallback(url?: string | URL): Promise<CallbackResult | undefined> {
		const current = url ?? (typeof location === 'undefined' ? undefined : location.href);
		const href = current === undefined ? undefined : new URL(current, typeof location === 'undefined' ? undefined : location.href).href;
		const pending = this.#pending;
		if (href !== undefined && pending?.urls.includes(href)) return pending.result;
		const response = href === undefined ? undefined : readCallback(href, this.#options.redirectUri);
		if (!response) return Promise.resolve(undefined);
		const result = this.#complete(response);
		const settled = () => {
			if (this.#pending?.result === result) this.#pending = undefined;
		};
		result.then(settled, settled);
		this.#pending = {urls: [response.href, withoutResponseParams(response)], result};
		return result;
	}

	async #complete(response: URL): Promise<CallbackResult> {
		// Before the first await: the flow is taken and the address bar cleaned during the call itself.
		let flow: Flow;
		try {
			flow = takeCallbackFlow(response, Date.now());
		} finally {
			// Whatever the outcome, this response cannot be used again: drop it from the address bar.
			cleanAddressBar(response);
		}

		const metadata = await this.#loadMetadata();
		const callback = checkCallback(response, flow, metadata, this.#options.clientId);
		const tokens = await exchangeCode(metadata, this.#options, callback, flow, this.#dpopProofSource());
		try {
			await this.#auth.setTokens(tokens);
		} catch (error) {
			throw new LoginError('exchange_failed', 'the session could not be started from the token response', {cause: error});
		}

		return {returnTo: flow.returnTo};
	}

	/**
	 * Log out: `auth.logout()` first (this tab and every other tab, and the refresh token revoked
	 * when the manager has a `revocationEndpoint`), then the browser goes to the server's
	 * `end_session_endpoint` to end the session there, when it has one. The local logout happens
	 * even when the server's metadata cannot be loaded; the call then rejects with
	 * `discovery_failed`.
	 */
	async logout(options: LogoutOptions = {}): Promise<void> {
		const {postLogoutRedirectUri} = options;
		if (postLogoutRedirectUri !== undefined && !isHttpUrl(postLogoutRedirectUri)) {
			throw new InvalidOptionError('postLogoutRedirectUri', 'must be an absolute http(s) URL');
		}

		// Started first, awaited after the local logout: a slow or failing server must not delay it.
		const metadata = this.#loadMetadata().then(
			(value) => ({value}),
			(error: unknown) => ({error}),
		);
		await this.#auth.logout();
		const loaded = await metadata;
		if ('error' in loaded) throw loaded.error;
		const target = endSessionUrl(loaded.value, this.#options.clientId, postLogoutRedirectUri)?.href ?? postLogoutRedirectUri;
		if (target !== undefined) location.assign(target);
	}

	/** The metadata, loaded once; a failure is not kept, so the next call tries again. */
	#loadMetadata(): Promise<AuthorizationServer> {
		const pending = (this.#metadata ??= loadMetadata(this.#options));
		pending.catch(() => {
			if (this.#metadata === pending) this.#metadata = undefined;
		});
		return pending;
	}

	/**
	 * DPoP (RFC 9449) when the manager has it on: the code exchange is signed with the manager's
	 * pending key, which `setTokens` then adopts as the new session's; the nonces it learns are
	 * the manager's. Undefined for bearer tokens.
	 */
	#dpopProofSource(): DpopProofSource | undefined {
		const loading = this.#auth._dpop?.();
		if (!loading) return undefined;
		const source: DpopProofSource = async ({method, url, nonce}) => {
			const dpop = await loading;
			return dpop.proof(method, url, {nonce}, await dpop.pendingKey());
		};

		source.seen = async (url, response) => (await loading).asksForNonce(url, response);
		return source;
	}
}

/**
 * Login with the authorization code flow and PKCE for the token manager `auth`. Options are
 * checked at once (`InvalidOptionError` names the bad one); nothing is fetched until the first
 * `redirect`, `handleCallback` or `logout`.
 *
 * @example
 * ```ts
 * const login = createLogin(auth, {
 *   issuer: 'https://auth.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: 'https://app.example.com/callback',
 * });
 * ```
 */
export function createLogin(auth: LoginAuth, options: LoginOptions): Login {
	return new Login(auth, options);
}

function isHttpUrl(value: unknown): boolean {
	try {
		return typeof value === 'string' && /^https?:$/.test(new URL(value).protocol);
	} catch {
		return false;
	}
}
