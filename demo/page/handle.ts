/**
 * Types shared by the demo page and the interop tests that drive it. The page exposes a
 * small handle on `window.tokenBatonDemo` so that you can poke at token-baton from the
 * browser console (try `await tokenBatonDemo.auth.getAccessToken()`), and so that the tests
 * can read what the page saw. It never holds an access token itself.
 */
import type {TokenManager, TokenManagerEventName} from '../../src/index.js';
import type {Login} from '../../src/login.js';

/** What the server injects into index.html (see demo/server/index.mjs). */
export type DemoConfig = {
	issuer: string;
	/** The token manager needs these before any login; the login discovers the rest from `issuer`. */
	tokenEndpoint: string;
	revocationEndpoint: string;
	clientId: string;
	apiOrigin: string;
	/** The API's resource indicator (RFC 8707): the `aud` of its access tokens. */
	resource: string;
	scope: string;
	refreshLeewaySeconds: number;
	/** DPoP end to end: the manager's `dpop` option. */
	dpop: boolean;
};

export type LogKind =
	| 'token'
	| 'refresh'
	| 'adopted-from-tab'
	| 'signed-in'
	| 'signed-out'
	| 'warning'
	| 'error'
	| 'api'
	| 'login'
	| 'stolen-token';

/** One line of the page's event log. Never contains a token, at most its fingerprint. */
export type LogEntry = {at: number; kind: LogKind; text: string};

/** A token-baton event as the page received it (plain data). */
export type RecordedEvent = {
	name: TokenManagerEventName;
	at: number;
	source?: string;
	reason?: string;
	code?: string;
	errorName?: string;
	errorCode?: string;
	expiresAt?: number;
};

export type ApiOutcome =
	| {ok: true; via: 'ky' | 'fetch'; status: number; sub: string}
	| {ok: false; via: 'ky' | 'fetch'; status?: number; errorName?: string};

export type ReplayOutcome = {status: number; error?: string};

/** What the demo API got when it replayed the tokens without the page's DPoP key (POST /demo/steal). */
export type StealOutcome = {
	refreshWithoutProof: {status: number; error?: string; description?: string};
	refreshWithOtherKey: {status: number; error?: string; description?: string};
	accessAsBearer: {ok: boolean; reason?: string};
	accessWithOtherKey: {ok: boolean; reason?: string};
};

/** How this page load's `login.handleCallback()` ended, when the URL was an authorization response. */
export type LoginOutcome = {ok: true; returnTo: string} | {ok: false; errorName: string; code: string | undefined};

export type DemoHandle = {
	auth: TokenManager;
	/** `token-baton/login` for the demo's client: `login.redirect({params: {prompt: 'none'}})` and the like. */
	login: Login;
	/** Set once this page load's callback was handled; undefined when the page was no callback. */
	loginOutcome: LoginOutcome | undefined;
	/** True once the page finished starting (and, after a login redirect, the code exchange). */
	initialized: boolean;
	log: LogEntry[];
	events: RecordedEvent[];
	/** SHA-256 prefix of the access token this tab holds now (for display and comparison). */
	tokenFingerprint: string | undefined;
	/** GET {api}/me, through ky with `withAuth(auth, ky)` or through `auth.fetch`. */
	callApi(via: 'ky' | 'fetch'): Promise<ApiOutcome>;
	/** Whether this tab still holds the refresh token captured from its login response. */
	hasCapturedRefreshToken(): boolean;
	/** Present the captured (old) refresh token to the token endpoint, as a thief would. */
	replayCapturedRefreshToken(): Promise<ReplayOutcome>;
	/** DPoP: the RFC 7638 thumbprint of this session's key (from a proof's header), or undefined when DPoP is off. */
	dpopThumbprint(): Promise<string | undefined>;
	/** DPoP: the API replays the newest refresh token and this tab's access token without the key. */
	stealWithoutKey(): Promise<StealOutcome>;
};

declare global {
	interface Window {
		tokenBatonDemo?: DemoHandle;
	}
}
