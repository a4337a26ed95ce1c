import {randomBytes} from 'node:crypto';
import {EventEmitter} from 'node:events';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {BrowserBundle} from './bundle.js';

export const CLIENT_ID = 'e2e-spa';

export type ServerSettings = {
	/** How long the token endpoint takes to answer a refresh (the grant is decided on arrival). */
	refreshDelayMs: number;
	/** `expires_in` of every access token issued (login and refresh), in seconds. */
	expiresIn: number;
	/**
	 * A consumed refresh token presented again within this window gets new tokens instead of
	 * revoking the family (Okta's grace period, Auth0's reuse interval). 0 = strict.
	 */
	reuseGraceMs: number;
};

const DEFAULTS: ServerSettings = {refreshDelayMs: 300, expiresIn: 60, reuseGraceMs: 0};

export type RefreshRecord = {
	at: number;
	refreshToken: string;
	outcome: 'rotated' | 'grace' | 'reuse' | 'revoked' | 'unknown' | 'bad-request' | 'bad-client';
};

type Family = {id: number; revoked: boolean; latestRefreshToken: string};
type RefreshEntry = {family: Family; consumedAt: number | undefined};
type AccessEntry = {family: Family; expiresAt: number; revoked: boolean};

export type TokenResponseJson = {
	access_token: string;
	token_type: 'Bearer';
	expires_in: number;
	refresh_token: string;
};

/**
 * A strict OAuth 2.0 authorization server plus a protected API and the test page, all on one
 * origin (http://127.0.0.1:<random port>):
 *
 * - `POST /oauth/token`: RFC 6749 §6 refresh_token grant, form-encoded, `client_id` required.
 *   Rotates refresh tokens. A consumed refresh token presented again is reuse: 400
 *   `invalid_grant` and the whole family (every refresh and access token issued from one login)
 *   is revoked. The grant is decided when the request arrives; the answer comes
 *   `refreshDelayMs` later, so concurrent refreshes really overlap.
 * - `POST /oauth/revoke`: RFC 7009; revoking a refresh token revokes its family.
 * - `/api`: 200 for `Authorization: Bearer <valid access token>`, 401 otherwise.
 * - `POST /test/login`: mints a login token response (a new family). Also `login()` in process.
 * - `/` and `/bundle/*`: the test page and the esbuild bundle of token-baton; `/init/*`: the
 *   scripts the page runs before its own (named in `?init=`, see init-scripts.ts).
 */
export class TokenServer {
	readonly events = new EventEmitter();
	settings: ServerSettings = {...DEFAULTS};
	refreshes: RefreshRecord[] = [];
	/** Refresh tokens presented after they had been consumed (outside the grace window): client bugs. */
	reuses: string[] = [];
	/** Consumed refresh tokens presented again inside the grace window. */
	graceReuses: string[] = [];
	/** Tokens sent to the revocation endpoint. */
	revocations: string[] = [];
	apiStatuses: number[] = [];
	/** Paths under /bundle/ the browser fetched, in order. */
	bundleRequests: string[] = [];

	readonly #server: Server;
	readonly #bundle: BrowserBundle;
	readonly #prefix = randomBytes(4).toString('hex');
	#counter = 0;
	#familyCounter = 0;
	#refreshTokens = new Map<string, RefreshEntry>();
	#accessTokens = new Map<string, AccessEntry>();
	#origin = '';

	private constructor(bundle: BrowserBundle) {
		this.#bundle = bundle;
		this.#server = createServer((request, response) => {
			this.#route(request, response).catch((error: unknown) => {
				if (!response.headersSent) response.writeHead(500, {'content-type': 'text/plain'});
				response.end(error instanceof Error ? error.message : 'error');
			});
		});
	}

	static async start(bundle: BrowserBundle): Promise<TokenServer> {
		const server = new TokenServer(bundle);
		await new Promise<void>((resolve, reject) => {
			server.#server.once('error', reject);
			server.#server.listen(0, '127.0.0.1', () => resolve());
		});
		const {port} = server.#server.address() as AddressInfo;
		server.#origin = `http://127.0.0.1:${port}`;
		return server;
	}

	get origin(): string {
		return this.#origin;
	}

	get pageUrl(): string {
		return `${this.#origin}/`;
	}

	/** Forget every token, family and count; settings back to the defaults plus `settings`. */
	reset(settings: Partial<ServerSettings> = {}): void {
		this.settings = {...DEFAULTS, ...settings};
		this.refreshes = [];
		this.reuses = [];
		this.graceReuses = [];
		this.revocations = [];
		this.apiStatuses = [];
		this.bundleRequests = [];
		this.#refreshTokens = new Map();
		this.#accessTokens = new Map();
		this.events.removeAllListeners();
	}

	/** A login: the token endpoint's response for a new token family, ready for `setTokens`. */
	login(options: {expiresIn?: number} = {}): TokenResponseJson {
		const family: Family = {id: ++this.#familyCounter, revoked: false, latestRefreshToken: ''};
		return this.#issue(family, options.expiresIn ?? this.settings.expiresIn);
	}

	/** How many refresh requests presented `refreshToken`. */
	presentations(refreshToken: string): number {
		return this.refreshes.filter((record) => record.refreshToken === refreshToken).length;
	}

	/** Refresh requests that got new tokens. */
	get rotations(): RefreshRecord[] {
		return this.refreshes.filter((record) => record.outcome === 'rotated' || record.outcome === 'grace');
	}

	/** The newest refresh token of the family `token` (a refresh or access token) belongs to. */
	latestRefreshToken(token: string): string | undefined {
		const family = this.#refreshTokens.get(token)?.family ?? this.#accessTokens.get(token)?.family;
		return family?.latestRefreshToken;
	}

	familyRevoked(token: string): boolean {
		const family = this.#refreshTokens.get(token)?.family ?? this.#accessTokens.get(token)?.family;
		return family?.revoked ?? false;
	}

	/** Whether `/api` would accept `accessToken` now. */
	accessTokenValid(accessToken: string): boolean {
		const entry = this.#accessTokens.get(accessToken);
		return entry !== undefined && !entry.revoked && !entry.family.revoked && Date.now() < entry.expiresAt;
	}

	/** Resolves once the server has received at least `count` refresh requests in total. */
	async waitForRefreshes(count: number, timeoutMs = 20_000): Promise<void> {
		if (this.refreshes.length >= count) return;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.events.off('refresh', onRefresh);
				reject(new Error(`Expected ${count} refresh requests within ${timeoutMs} ms, got ${this.refreshes.length}`));
			}, timeoutMs);
			const onRefresh = () => {
				if (this.refreshes.length < count) return;
				clearTimeout(timer);
				this.events.off('refresh', onRefresh);
				resolve();
			};

			this.events.on('refresh', onRefresh);
		});
	}

	async close(): Promise<void> {
		this.#server.closeAllConnections();
		await new Promise<void>((resolve) => {
			this.#server.close(() => resolve());
		});
	}

	async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', this.#origin);
		const method = request.method ?? 'GET';
		if (url.pathname === '/oauth/token' && method === 'POST') return this.#token(request, response);
		if (url.pathname === '/oauth/revoke' && method === 'POST') return this.#revoke(request, response);
		if (url.pathname === '/api') return this.#api(request, response);
		if (url.pathname === '/test/login' && method === 'POST') return sendJson(response, 200, this.login());
		if (url.pathname === '/' && method === 'GET') return send(response, 200, 'text/html; charset=utf-8', pageHtml(url, this.#bundle.initScripts));
		if (url.pathname.startsWith('/init/') && method === 'GET') {
			const text = this.#bundle.initScripts.get(url.pathname.slice('/init/'.length).replace(/\.js$/, ''));
			return text === undefined ? send(response, 404, 'text/plain', 'not found') : send(response, 200, 'text/javascript; charset=utf-8', text);
		}

		if (url.pathname.startsWith('/bundle/') && method === 'GET') {
			const file = url.pathname.slice('/bundle/'.length);
			const text = this.#bundle.files.get(file);
			if (text === undefined) return send(response, 404, 'text/plain', 'not found');
			this.bundleRequests.push(file);
			return send(response, 200, 'text/javascript; charset=utf-8', text);
		}

		if (url.pathname === '/favicon.ico') return send(response, 204, 'text/plain', '');
		return send(response, 404, 'text/plain', 'not found');
	}

	async #token(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const form = await readForm(request);
		// Decide the grant at once, answer later: two overlapping refreshes are told apart by arrival.
		const {status, body, record} = this.#grant(form);
		this.refreshes.push(record);
		this.events.emit('refresh', record);
		await delay(this.settings.refreshDelayMs);
		if (response.destroyed) return;
		sendJson(response, status, body);
	}

	#grant(form: URLSearchParams | undefined): {status: number; body: object; record: RefreshRecord} {
		const refreshToken = form?.get('refresh_token') ?? '';
		const at = Date.now();
		const fail = (status: number, error: string, outcome: RefreshRecord['outcome']) => ({
			status,
			body: {error, error_description: `refresh refused: ${outcome}`},
			record: {at, refreshToken, outcome},
		});
		if (!form || form.get('grant_type') !== 'refresh_token' || refreshToken === '') {
			return fail(400, 'invalid_request', 'bad-request');
		}

		if (form.get('client_id') !== CLIENT_ID) return fail(401, 'invalid_client', 'bad-client');
		const entry = this.#refreshTokens.get(refreshToken);
		if (!entry) return fail(400, 'invalid_grant', 'unknown');
		if (entry.family.revoked) return fail(400, 'invalid_grant', 'revoked');
		let outcome: RefreshRecord['outcome'] = 'rotated';
		if (entry.consumedAt !== undefined) {
			if (at - entry.consumedAt > this.settings.reuseGraceMs) {
				this.reuses.push(refreshToken);
				this.#revokeFamily(entry.family);
				return fail(400, 'invalid_grant', 'reuse');
			}

			this.graceReuses.push(refreshToken);
			outcome = 'grace';
		} else {
			entry.consumedAt = at;
		}

		return {status: 200, body: this.#issue(entry.family, this.settings.expiresIn), record: {at, refreshToken, outcome}};
	}

	async #revoke(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const form = await readForm(request);
		const token = form?.get('token');
		if (!form || !token) return sendJson(response, 400, {error: 'invalid_request'});
		if (form.get('client_id') !== CLIENT_ID) return sendJson(response, 401, {error: 'invalid_client'});
		this.revocations.push(token);
		const refresh = this.#refreshTokens.get(token);
		if (refresh) this.#revokeFamily(refresh.family);
		const access = this.#accessTokens.get(token);
		if (access) access.revoked = true;
		this.events.emit('revoke', token);
		// RFC 7009 §2.2: 200 whether or not the token was known.
		return send(response, 200, 'text/plain', '');
	}

	async #api(request: IncomingMessage, response: ServerResponse): Promise<void> {
		request.resume();
		const match = /^Bearer ([\x21-\x7E]+)$/.exec(request.headers.authorization ?? '');
		const valid = match?.[1] !== undefined && this.accessTokenValid(match[1]);
		this.apiStatuses.push(valid ? 200 : 401);
		if (!valid) {
			response.setHeader('www-authenticate', 'Bearer error="invalid_token"');
			return sendJson(response, 401, {error: 'invalid_token'});
		}

		return sendJson(response, 200, {ok: true});
	}

	#revokeFamily(family: Family): void {
		family.revoked = true;
	}

	#issue(family: Family, expiresIn: number): TokenResponseJson {
		const n = ++this.#counter;
		const accessToken = `at-${this.#prefix}-${n}`;
		const refreshToken = `rt-${this.#prefix}-${n}`;
		this.#accessTokens.set(accessToken, {family, expiresAt: Date.now() + expiresIn * 1000, revoked: false});
		this.#refreshTokens.set(refreshToken, {family, consumedAt: undefined});
		family.latestRefreshToken = refreshToken;
		return {access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, refresh_token: refreshToken};
	}
}

/** The test page; the init scripts named in `?init=` run (in order, classic scripts) before the page's module. */
function pageHtml(url: URL, initScripts: Map<string, string>): string {
	const names = (url.searchParams.get('init') ?? '').split(',').filter((name) => initScripts.has(name));
	const scripts = names.map((name) => `<script src="/init/${name}.js"></script>`).join('\n');
	return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>token-baton e2e</title>
${scripts}
</head>
<body>
<p>token-baton end-to-end test page</p>
<script type="module" src="/bundle/page.js"></script>
</body>
</html>
`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	const type = request.headers['content-type'] ?? '';
	if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
	return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(response: ServerResponse, status: number, body: object): void {
	send(response, status, 'application/json', JSON.stringify(body));
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
	response.writeHead(status, {'content-type': contentType, 'cache-control': 'no-store'});
	response.end(body);
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => {
		setTimeout(resolve, ms);
	});
}
