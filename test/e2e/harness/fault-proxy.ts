import {createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

/**
 * What the proxy does to the next `POST /oauth/token` instead of passing it on untouched.
 * - `respond`: answers itself; the token server never sees the request.
 * - `drop-before`: closes the connection; the token server never sees the request.
 * - `drop-after`: passes the request on (the server rotates), then sends the headers and half
 *   the body and closes the connection: the response is lost on its way back.
 * - `hang`: never answers and never passes it on, until the browser gives up (a closed tab).
 */
export type TokenFault =
	| {kind: 'respond'; status: number; body: string; contentType?: string; headers?: Record<string, string>}
	| {kind: 'drop-before'}
	| {kind: 'drop-after'}
	| {kind: 'hang'};

export type SeenRequest = {method: string; host: string; path: string; headers: IncomingHttpHeaders; body: string};

/**
 * The page's origin for the fault-matrix tests: a reverse proxy in front of the e2e token
 * server (test/e2e/harness/token-server.ts), which it leaves unchanged. It injects faults
 * into token requests at the HTTP level, serves `/redirect-out?to=<url>` as a 302 to any
 * URL, and records what passed through: every request (method, Host, path, headers), every
 * token in a token response (the secrets the leak checks look for), and faults injected.
 * Every response says `connection: close`, so the browser never silently resends a request
 * on a reused connection that the proxy dropped.
 */
export class FaultProxy {
	requests: SeenRequest[] = [];
	/** Faults for the next token requests, in order. */
	tokenFaults: TokenFault[] = [];
	/** Faults applied so far. */
	injected = 0;
	/** access_token and refresh_token values of every token response that passed through, with their kind. */
	readonly issued = new Map<string, string>();
	/** Token requests currently held by a `hang` fault. */
	hanging = 0;

	readonly #server: Server;
	readonly #upstream: URL;
	readonly #open = new Set<ServerResponse>();
	#origin = '';

	private constructor(upstream: string) {
		this.#upstream = new URL(upstream);
		this.#server = createServer((request, response) => {
			this.#open.add(response);
			response.on('close', () => this.#open.delete(response));
			this.#handle(request, response).catch(() => {
				if (!response.headersSent) response.writeHead(502);
				response.end();
			});
		});
	}

	static async start(upstream: string): Promise<FaultProxy> {
		const proxy = new FaultProxy(upstream);
		await new Promise<void>((resolve, reject) => {
			proxy.#server.once('error', reject);
			proxy.#server.listen(0, '127.0.0.1', () => resolve());
		});
		proxy.#origin = `http://127.0.0.1:${(proxy.#server.address() as AddressInfo).port}`;
		return proxy;
	}

	get origin(): string {
		return this.#origin;
	}

	get port(): number {
		return Number(new URL(this.#origin).port);
	}

	get pageUrl(): string {
		return `${this.#origin}/`;
	}

	/** Forget everything recorded and queued; cut whatever is still hanging. */
	reset(): void {
		this.requests = [];
		this.tokenFaults = [];
		this.injected = 0;
		this.issued.clear();
		for (const response of this.#open) response.destroy();
	}

	/** Resolves once `count` token requests are hanging. */
	async waitForHanging(count: number, timeoutMs = 10_000): Promise<void> {
		const started = Date.now();
		while (this.hanging < count) {
			if (Date.now() - started > timeoutMs) throw new Error(`expected ${count} hanging token requests, got ${this.hanging}`);
			await new Promise((resolve) => {
				setTimeout(resolve, 10);
			});
		}
	}

	async close(): Promise<void> {
		this.#server.closeAllConnections();
		await new Promise<void>((resolve) => {
			this.#server.close(() => resolve());
		});
	}

	async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const body = await readBody(request);
		const url = new URL(request.url ?? '/', this.#origin);
		this.requests.push({method: request.method ?? 'GET', host: request.headers.host ?? '', path: `${url.pathname}${url.search}`, headers: request.headers, body: body.toString('utf8')});
		response.setHeader('connection', 'close');
		// Permissive CORS: a request from another origin that carried a token would arrive and be recorded.
		response.setHeader('access-control-allow-origin', request.headers.origin ?? '*');
		if (request.method === 'OPTIONS') {
			response.writeHead(204, {'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*', 'access-control-allow-methods': '*'});
			response.end();
			return;
		}

		if (url.pathname === '/redirect-out') {
			response.writeHead(302, {location: url.searchParams.get('to') ?? '/'});
			response.end();
			return;
		}

		const fault = url.pathname === '/oauth/token' && request.method === 'POST' ? this.tokenFaults.shift() : undefined;
		if (fault) this.injected++;
		if (fault?.kind === 'respond') {
			response.writeHead(fault.status, {'content-type': fault.contentType ?? 'application/json', ...fault.headers});
			response.end(fault.body);
			return;
		}

		if (fault?.kind === 'drop-before') {
			response.socket?.destroy();
			return;
		}

		if (fault?.kind === 'hang') {
			this.hanging++;
			await new Promise<void>((resolve) => {
				response.on('close', () => resolve());
			});
			this.hanging--;
			return;
		}

		const upstream = await this.#forward(request, body);
		if (url.pathname === '/oauth/token' || url.pathname === '/test/login') this.#recordTokens(upstream.body);
		if (response.destroyed) return;
		const headers = {...upstream.headers, connection: 'close'};
		if (fault?.kind === 'drop-after') {
			response.writeHead(upstream.status, {...headers, 'content-length': String(upstream.body.length)});
			response.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)));
			// Let the half body leave before the connection goes.
			await new Promise((resolve) => {
				setTimeout(resolve, 20);
			});
			response.socket?.destroy();
			return;
		}

		response.writeHead(upstream.status, headers);
		response.end(upstream.body);
	}

	#forward(request: IncomingMessage, body: Buffer): Promise<{status: number; headers: Record<string, string>; body: Buffer}> {
		return new Promise((resolve, reject) => {
			const headers = {...request.headers, host: this.#upstream.host};
			delete headers.connection;
			const upstream = httpRequest({host: this.#upstream.hostname, port: this.#upstream.port, method: request.method, path: request.url, headers}, (answer) => {
				readBody(answer).then((data) => {
					const kept: Record<string, string> = {};
					for (const [name, value] of Object.entries(answer.headers)) {
						if (typeof value === 'string' && name !== 'connection' && name !== 'transfer-encoding' && name !== 'keep-alive') kept[name] = value;
					}

					resolve({status: answer.statusCode ?? 502, headers: kept, body: data});
				}, reject);
			});
			upstream.on('error', reject);
			upstream.end(body);
		});
	}

	#recordTokens(body: Buffer): void {
		try {
			const json: unknown = JSON.parse(body.toString('utf8'));
			if (typeof json !== 'object' || json === null) return;
			for (const key of ['access_token', 'refresh_token'] as const) {
				const value = (json as Record<string, unknown>)[key];
				if (typeof value === 'string') this.issued.set(value, key);
			}
		} catch {
			// Not JSON: nothing issued.
		}
	}
}

/** A server on another origin that records everything it receives and answers 200 to anyone. */
export class ForeignServer {
	requests: SeenRequest[] = [];
	readonly #server: Server;
	#origin = '';

	private constructor() {
		this.#server = createServer((request, response) => {
			void readBody(request).then((body) => {
				this.requests.push({method: request.method ?? 'GET', host: request.headers.host ?? '', path: request.url ?? '/', headers: request.headers, body: body.toString('utf8')});
				// Lets every request through, preflighted ones included: a token sent here would arrive and be seen.
				response.writeHead(request.method === 'OPTIONS' ? 204 : 200, {
					'access-control-allow-origin': request.headers.origin ?? '*',
					'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
					'access-control-allow-methods': '*',
					'content-type': 'application/json',
					connection: 'close',
				});
				response.end(request.method === 'OPTIONS' ? undefined : '{"ok":true}');
			});
		});
	}

	static async start(): Promise<ForeignServer> {
		const server = new ForeignServer();
		await new Promise<void>((resolve, reject) => {
			server.#server.once('error', reject);
			server.#server.listen(0, '127.0.0.1', () => resolve());
		});
		server.#origin = `http://127.0.0.1:${(server.#server.address() as AddressInfo).port}`;
		return server;
	}

	get origin(): string {
		return this.#origin;
	}

	reset(): void {
		this.requests = [];
	}

	async close(): Promise<void> {
		this.#server.closeAllConnections();
		await new Promise<void>((resolve) => {
			this.#server.close(() => resolve());
		});
	}
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}
