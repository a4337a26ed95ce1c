/**
 * The demo single-page app. Everything goes through token-baton: the login (the authorization
 * code flow with PKCE, `token-baton/login`), the session, the refresh schedule, the other tabs,
 * API calls (ky with `withAuth`, and `auth.fetch` beside it) and logout.
 *
 * In an app the imports read `from 'token-baton'`, `'token-baton/ky'` and `'token-baton/login'`;
 * the demo bundles the SDK's source directly.
 */
import ky, {HTTPError} from 'ky';
import {createTokenManager, TokenBatonError} from '../../src/index.js';
import {withAuth} from '../../src/ky.js';
import {createLogin, LoginError, type LoginAuth} from '../../src/login.js';
import type {ApiOutcome, DemoConfig, DemoHandle, LogEntry, LogKind, RecordedEvent, ReplayOutcome, StealOutcome} from './handle.js';

const MAX_LOG_LINES = 300;

function readConfig(): DemoConfig {
	const element = document.getElementById('demo-config');
	const parsed: unknown = JSON.parse(element?.textContent ?? 'null');
	if (!isRecord(parsed)) throw new Error('demo configuration missing');
	const text = (key: string): string => {
		const value = parsed[key];
		if (typeof value !== 'string') throw new Error(`demo configuration: ${key} missing`);
		return value;
	};

	const leeway = parsed.refreshLeewaySeconds;
	return {
		issuer: text('issuer'),
		tokenEndpoint: text('tokenEndpoint'),
		revocationEndpoint: text('revocationEndpoint'),
		clientId: text('clientId'),
		apiOrigin: text('apiOrigin'),
		resource: text('resource'),
		scope: text('scope'),
		refreshLeewaySeconds: typeof leeway === 'number' ? leeway : 60,
		dpop: parsed.dpop === true,
	};
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
	const element = document.getElementById(id);
	if (!element) throw new Error(`#${id} missing from the page`);
	return element as T;
}

// ---- the event log --------------------------------------------------------------------

const logEntries: LogEntry[] = [];

function log(kind: LogKind, text: string): void {
	const entry: LogEntry = {at: Date.now(), kind, text};
	logEntries.push(entry);
	const list = byId<HTMLOListElement>('log');
	const item = document.createElement('li');
	item.className = `log-${kind}`;
	const time = document.createElement('time');
	time.textContent = clock(entry.at, true);
	const label = document.createElement('span');
	label.className = 'kind';
	label.textContent = kind;
	const message = document.createElement('span');
	message.className = 'text';
	message.textContent = text;
	item.append(time, label, message);
	list.prepend(item);
	while (list.children.length > MAX_LOG_LINES) list.lastElementChild?.remove();
}

function clock(ms: number, withMillis = false): string {
	const date = new Date(ms);
	const pad = (n: number, width = 2) => String(n).padStart(width, '0');
	const base = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
	return withMillis ? `${base}.${pad(date.getMilliseconds(), 3)}` : base;
}

function seconds(ms: number): string {
	return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** The first 8 hex digits of SHA-256(token): enough to tell tokens apart, useless to a thief. */
async function fingerprint(token: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
	return [...new Uint8Array(digest).slice(0, 4)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function describe(error: unknown): string {
	if (error instanceof TokenBatonError) return `${error.name} (${error.code}): ${error.message}`;
	if (error instanceof Error) return `${error.name}: ${error.message}`;
	return String(error);
}

function setState(state: string): void {
	const element = byId('state');
	element.textContent = state;
	element.dataset.state = state;
	document.body.dataset.state = state;
}

// ---- start ----------------------------------------------------------------------------

async function main(): Promise<void> {
	const config = readConfig();
	const tabId = Math.random().toString(36).slice(2, 6);
	byId('tab-id').textContent = tabId;
	document.title = `token-baton demo (tab ${tabId})`;
	byId('issuer').textContent = config.issuer;
	byId('api-origin').textContent = config.apiOrigin;

	const auth = createTokenManager({
		tokenEndpoint: config.tokenEndpoint,
		revocationEndpoint: config.revocationEndpoint,
		clientId: config.clientId,
		apiOrigins: [config.apiOrigin],
		refreshLeewaySeconds: config.refreshLeewaySeconds,
		name: 'demo',
		dpop: config.dpop,
	});
	const api = withAuth(auth, ky).extend({prefix: config.apiOrigin});

	const events: RecordedEvent[] = [];
	let currentFingerprint: string | undefined;
	let keyThumbprint: string | undefined;
	// For the "stolen refresh token" button only: the refresh token of this tab's login
	// response, kept in this page's memory. A real app never keeps one: token-baton owns it.
	let capturedRefreshToken: string | undefined;
	// What the login hands to the manager, seen on the way: an app passes `auth` itself.
	const loginAuth: LoginAuth = {
		setTokens: async (json) => {
			if (isRecord(json) && typeof json.refresh_token === 'string') capturedRefreshToken = json.refresh_token;
			return auth.setTokens(json);
		},
		logout: () => auth.logout(),
		// With DPoP, the code exchange is signed with the manager's key: a wrapper passes this on.
		_dpop: () => auth._dpop(),
	};
	const login = createLogin(loginAuth, {
		issuer: config.issuer,
		clientId: config.clientId,
		// The page itself is the redirect URI (registered as `${origin}/`).
		redirectUri: `${location.origin}/`,
		scope: config.scope,
		// resource (RFC 8707): the access token is a JWT for this API. oidc-provider grants
		// offline_access (so: a refresh token) only with prompt=consent.
		params: {resource: config.resource, prompt: 'consent'},
	});
	// An authorization response in the URL is taken (and the address bar cleaned) at once; its
	// outcome is read once the page is set up (caught here, so a failure is no unhandled rejection).
	const callback = login.handleCallback().then(
		(result) => ({result}),
		(error: unknown) => ({error}),
	);

	const showFingerprint = () => {
		// After the event, outside token-baton's own call stack.
		setTimeout(() => {
			// Rejects (DpopError no-key) when another tab's logout removed the key before this
			// tab heard of it: the sign-out event follows, and the page shows no key.
			void dpopThumbprint().then((jkt) => {
				keyThumbprint = jkt;
				render();
			}, () => {
				keyThumbprint = undefined;
				render();
			});
			auth.getAccessToken().then(
				async (token) => {
					currentFingerprint = await fingerprint(token);
					render();
				},
				() => {},
			);
		}, 0);
	};

	auth.on('token', ({expiresAt, source}) => {
		events.push({name: 'token', at: Date.now(), source, ...(expiresAt === undefined ? {} : {expiresAt})});
		const until = expiresAt === undefined ? 'expiry unknown' : `expires ${clock(expiresAt)}`;
		if (source === 'refresh') log('refresh', `This tab refreshed: new access token, ${until}; the rotated refresh token is stored encrypted.`);
		else if (source === 'tab') log('adopted-from-tab', `Adopted the access token another tab just got (no request), ${until}.`);
		else log('token', `Access token from the login, ${until}.`);
		render();
		showFingerprint();
	});
	auth.on('signed-in', ({source}) => {
		events.push({name: 'signed-in', at: Date.now(), source});
		const how = {login: 'by the login in this tab', tab: 'by another tab', restore: 'from the session stored in IndexedDB'}[source];
		log('signed-in', `Signed in ${how}.`);
		render();
	});
	auth.on('signed-out', ({reason}) => {
		events.push({name: 'signed-out', at: Date.now(), reason});
		currentFingerprint = undefined;
		keyThumbprint = undefined;
		const why =
			reason === 'logout'
				? 'logout (here or in another tab)'
				: reason === 'invalid_grant'
					? 'invalid_grant: the server refused the refresh token (revoked, expired or reused)'
					: reason;
		log('signed-out', `Signed out: ${why}.`);
		render();
	});
	auth.on('warning', ({code, message}) => {
		events.push({name: 'warning', at: Date.now(), code});
		log('warning', `${code}: ${message}`);
	});
	auth.on('error', ({error}) => {
		events.push({name: 'error', at: Date.now(), errorName: error.name, errorCode: error.code});
		log('error', `Refresh failed, session kept, retrying: ${describe(error)}`);
	});

	function render(): void {
		const now = Date.now();
		setState(auth.state);
		const session = auth.session;
		byId('token-id').textContent = session && currentFingerprint ? `#${currentFingerprint}` : '—';
		byId('expires-in').textContent = session?.expiresAt === undefined ? '—' : `${seconds(session.expiresAt - now)} (at ${clock(session.expiresAt)})`;
		byId('refresh-in').textContent =
			session?.refreshAt === undefined ? '—' : session.refreshAt <= now ? 'due now' : `in ${seconds(session.refreshAt - now)} (at ${clock(session.refreshAt)})`;
		byId('scope').textContent = session?.scope ?? '—';
		byId('dpop-key').textContent = !config.dpop ? 'off (bearer tokens)' : session && keyThumbprint ? `jkt ${keyThumbprint}` : '—';
		byId<HTMLButtonElement>('steal').hidden = config.dpop;
		const stealDpop = byId<HTMLButtonElement>('steal-dpop');
		stealDpop.hidden = !config.dpop;
		stealDpop.disabled = auth.state !== 'signed-in';
		const signedIn = auth.state === 'signed-in';
		byId<HTMLButtonElement>('login').hidden = signedIn;
		byId<HTMLButtonElement>('logout').disabled = !signedIn;
		const steal = byId<HTMLButtonElement>('steal');
		steal.disabled = !signedIn || capturedRefreshToken === undefined;
		steal.title = capturedRefreshToken === undefined ? 'Only the tab that logged in (and was not reloaded since) holds the captured token.' : '';
	}

	const callApi = async (via: 'ky' | 'fetch'): Promise<ApiOutcome> => {
		const label = via === 'ky' ? 'ky + withAuth' : 'auth.fetch';
		try {
			let body: unknown;
			let status: number;
			if (via === 'ky') {
				body = await api.get('me').json();
				status = 200;
			} else {
				const response = await auth.fetch(`${config.apiOrigin}/me`);
				status = response.status;
				body = await response.json();
			}

			byId('api-output').textContent = JSON.stringify(body, null, 2);
			const sub = isRecord(body) && typeof body.sub === 'string' ? body.sub : '';
			if (status === 200) {
				log('api', `GET /me through ${label}: 200, hello ${sub}.`);
				return {ok: true, via, status, sub};
			}

			log('api', `GET /me through ${label}: ${status}.`);
			return {ok: false, via, status};
		} catch (error) {
			const status = error instanceof HTTPError ? error.response.status : undefined;
			byId('api-output').textContent = status === undefined ? describe(error) : `HTTP ${status}`;
			log('api', `GET /me through ${label} failed: ${status === undefined ? describe(error) : `HTTP ${status}`}.`);
			return {ok: false, via, ...(status === undefined ? {} : {status}), errorName: error instanceof Error ? error.name : typeof error};
		}
	};

	const replayCapturedRefreshToken = async (): Promise<ReplayOutcome> => {
		const stolen = capturedRefreshToken;
		if (stolen === undefined) return {status: 0, error: 'nothing captured'};
		capturedRefreshToken = undefined;
		render();
		log('stolen-token', 'Replaying the refresh token from this tab’s login response, as an attacker who copied it would…');
		const response = await fetch(config.tokenEndpoint, {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded'},
			body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: stolen, client_id: config.clientId}),
		});
		const json: unknown = await response.json().catch(() => undefined);
		const error = isRecord(json) && typeof json.error === 'string' ? json.error : undefined;
		if (response.ok) {
			// The attacker's tokens are dropped on the floor here.
			log(
				'stolen-token',
				'200: the captured token had not been used yet, so the "attacker" got tokens. The server rotated it: ' +
					'when token-baton next refreshes with it, the server sees a used token and revokes the whole family, the attacker’s tokens included.',
			);
		} else {
			log(
				'stolen-token',
				`${response.status} ${error ?? ''}: reuse detected. The server revoked the whole token family; every tab signs out ` +
					'at its next refresh (reason invalid_grant). Access tokens already issued stay valid until they expire (they are JWTs).',
			);
		}

		return {status: response.status, ...(error === undefined ? {} : {error})};
	};

	// The key's thumbprint, read from a proof's header as any server would (RFC 7638): the
	// private key itself cannot be exported.
	const dpopThumbprint = async (): Promise<string | undefined> => {
		if (!config.dpop || auth.state !== 'signed-in') return undefined;
		const proof = await auth.createDpopProof('GET', `${config.apiOrigin}/me`);
		const header: unknown = JSON.parse(atob(proof.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/')));
		const jwk = isRecord(header) && isRecord(header.jwk) ? header.jwk : {};
		const canonical = `{"crv":"${String(jwk.crv)}","kty":"${String(jwk.kty)}","x":"${String(jwk.x)}","y":"${String(jwk.y)}"}`;
		const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
		return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
	};

	const stealWithoutKey = async (): Promise<StealOutcome> => {
		log('stolen-token', 'Handing the newest refresh token and this tab\'s access token to the API, which replays them without this tab\'s key…');
		const accessToken = await auth.getAccessToken();
		// A demo shortcut: the page sends its own access token to its own API for the replay.
		const response = await fetch(`${config.apiOrigin}/demo/steal`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({accessToken})});
		const outcome = (await response.json()) as StealOutcome;
		const refused = (result: {status: number; error?: string; description?: string}) => `${result.status} ${result.error ?? ''}${result.description ? ` (${result.description})` : ''}`;
		log('stolen-token', `Refresh token without a proof: ${refused(outcome.refreshWithoutProof)}. With a proof of another key: ${refused(outcome.refreshWithOtherKey)}.`);
		log('stolen-token', `Access token as a bearer token: ${outcome.accessAsBearer.ok ? 'accepted!' : `refused (${outcome.accessAsBearer.reason ?? ''})`}. With another key's proof: ${outcome.accessWithOtherKey.ok ? 'accepted!' : `refused (${outcome.accessWithOtherKey.reason ?? ''})`}.`);
		byId('api-output').textContent = JSON.stringify(outcome, null, 2);
		return outcome;
	};

	const handle: DemoHandle = {
		auth,
		login,
		loginOutcome: undefined,
		initialized: false,
		log: logEntries,
		events,
		get tokenFingerprint() {
			return currentFingerprint;
		},
		callApi,
		hasCapturedRefreshToken: () => capturedRefreshToken !== undefined,
		replayCapturedRefreshToken,
		dpopThumbprint,
		stealWithoutKey,
	};
	window.tokenBatonDemo = handle;

	const button = (id: string, action: () => unknown) => {
		byId<HTMLButtonElement>(id).addEventListener('click', () => {
			Promise.resolve(action()).catch((error: unknown) => log('error', describe(error)));
		});
	};

	button('login', () => login.redirect({returnTo: '/'}));
	button('call-ky', () => callApi('ky'));
	button('call-fetch', () => callApi('fetch'));
	button('open-tab', () => window.open('/', '_blank', 'noopener'));
	button('logout', async () => {
		log('login', 'Logging out: this tab and every other tab, the refresh token revoked, then the server\'s own session (RP-initiated logout).');
		await login.logout({postLogoutRedirectUri: `${location.origin}/`});
	});
	button('steal', replayCapturedRefreshToken);
	button('steal-dpop', stealWithoutKey);
	button('api-reject', async () => {
		const response = await fetch(`${config.apiOrigin}/demo/reject-issued-tokens`, {method: 'POST'});
		log('api', `The API now refuses every access token issued so far (HTTP ${response.status}). Call it: the 401 is followed by one refresh and one retry.`);
	});

	render();
	setInterval(render, 250);

	await auth.ready;
	const outcome = await callback;
	try {
		if ('error' in outcome) throw outcome.error;
		const {result} = outcome;
		if (result) {
			handle.loginOutcome = {ok: true, returnTo: result.returnTo};
			log('login', 'Back from the authorization server: the code was exchanged (PKCE) and every tab signed in.');
		} else if (auth.state === 'signed-out') {
			log('login', 'Signed out. Log in (any name and password) to start a session.');
		}
	} catch (error) {
		handle.loginOutcome = {ok: false, errorName: error instanceof Error ? error.name : typeof error, code: error instanceof LoginError ? error.code : undefined};
		log('error', `Login failed: ${describe(error)}`);
	}

	render();
	handle.initialized = true;
}

main().catch((error: unknown) => {
	log('error', `The demo failed to start: ${describe(error)}`);
});

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}
