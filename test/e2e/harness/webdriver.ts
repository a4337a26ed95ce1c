/**
 * A small W3C WebDriver (classic) client over fetch, for WebKitWebDriver: only the commands
 * the harness needs. Commands go one at a time (a queue) because "the current window" is
 * per session: switching to a tab and running a script in it must not interleave with
 * another tab's command.
 */
export class WebDriverError extends Error {
	override readonly name = 'WebDriverError';

	constructor(readonly error: string, message: string) {
		super(`${error}: ${message}`);
	}
}

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};

export class WebDriverSession {
	#queue: Promise<unknown> = Promise.resolve();
	#current: string | undefined;

	private constructor(readonly base: string, readonly id: string, readonly capabilities: Record<string, Json>) {}

	static async create(base: string, capabilities: Record<string, Json>): Promise<WebDriverSession> {
		const value = await command<{sessionId: string; capabilities: Record<string, Json>}>(base, 'POST', '/session', {capabilities: {alwaysMatch: capabilities}});
		return new WebDriverSession(base, value.sessionId, value.capabilities);
	}

	/** Run `work` alone on this session, in window `handle` (switching to it first if needed). */
	async inWindow<T>(handle: string | undefined, work: () => Promise<T>): Promise<T> {
		const run = this.#queue.then(async () => {
			if (handle !== undefined && handle !== this.#current) {
				await this.send('POST', '/window', {handle});
				this.#current = handle;
			}

			return work();
		});
		this.#queue = run.catch(() => {});
		return run;
	}

	async send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<T> {
		return command<T>(this.base, method, `/session/${this.id}${path}`, body);
	}

	/** The current window's handle; later commands assume it until the next switch. */
	async currentWindow(): Promise<string> {
		return this.inWindow(undefined, async () => {
			this.#current = await this.send<string>('GET', '/window');
			return this.#current;
		});
	}

	async newWindow(): Promise<string> {
		return this.inWindow(undefined, async () => (await this.send<{handle: string}>('POST', '/window/new', {type: 'window'})).handle);
	}

	async closeWindow(handle: string): Promise<void> {
		await this.inWindow(handle, async () => {
			await this.send('DELETE', '/window');
			this.#current = undefined;
		});
	}

	/** End the session, after the queued commands or at most 5 s (a stuck command must not keep it). */
	async delete(): Promise<void> {
		await Promise.race([this.#queue, new Promise((resolve) => {
			setTimeout(resolve, 5000);
		})]);
		await command(this.base, 'DELETE', `/session/${this.id}`);
	}
}

async function command<T>(base: string, method: string, path: string, body?: Json): Promise<T> {
	const response = await fetch(`${base}${path}`, {
		// A command the driver never answers fails the test that sent it, instead of the whole run hanging.
		signal: AbortSignal.timeout(60_000),
		method,
		headers: {'content-type': 'application/json'},
		...(body === undefined ? (method === 'POST' ? {body: '{}'} : {}) : {body: JSON.stringify(body)}),
	});
	const json = await response.json() as {value: T & {error?: string; message?: string}};
	if (!response.ok) throw new WebDriverError(json.value?.error ?? String(response.status), json.value?.message ?? '');
	return json.value;
}
