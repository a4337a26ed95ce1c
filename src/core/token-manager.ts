import type {DpopClient, DpopProofOptions} from '../dpop/dpop-client.js';
import {RevocationError} from '../errors/revocation-error.js';
import {SignedOutError} from '../errors/signed-out-error.js';
import {isAllowedUrl} from '../fetch/allowed-origin.js';
import {decideForCaller, isFresh, isUsable, nextStep, refreshTime} from '../policy/schedule.js';
import {loadTokenClient} from '../refresh/load-token-client.js';
import {createRefreshRunner, type RefreshRunner} from '../refresh/refresh-runner.js';
import {callAt} from '../schedule/timer.js';
import {onWake} from '../schedule/wake-events.js';
import {createSessionRepository, type SessionRepository} from '../storage/session-repository.js';
import {isEnded} from '../storage/stored-session.js';
import {openTabChannel} from '../tabs/tab-channel.js';
import {openTabExchange, type TabExchange} from '../tabs/tab-exchange.js';
import type {Listener, TokenManagerEventName, TokenManagerEvents} from '../types/events.js';
import type {TokenManagerOptions} from '../types/options.js';
import type {AuthState, SessionInfo} from '../types/session.js';
import {abortable} from '../utils/abort.js';
import {Emitter} from '../utils/emitter.js';
import {resolveOptions, type ResolvedOptions} from './options.js';
import type {SessionControl} from './session-control.js';
import {signedIn, storedAdopted, tokenRejected, tokensTaken, warned, type Session} from './session.js';

/** Owns one OAuth session in one tab, in step with the other tabs of the same `name`. Create it with `createTokenManager`. */
export class TokenManager {
	/** Resolves once the stored session was restored, or there was none. Never rejects. */
	readonly ready: Promise<void>;

	readonly #options: ResolvedOptions;
	readonly #events = new Emitter<TokenManagerEvents>();
	readonly #repository: SessionRepository;
	readonly #exchange: TabExchange;
	readonly #runner: RefreshRunner;
	readonly #control: SessionControl;
	readonly #stopWakeEvents: () => void;
	/** Aborted by destroy(): cancels requests that nobody will ever read. */
	readonly #alive = new AbortController();
	#state: AuthState = 'loading';
	#session: Session | undefined;
	/** What `session` returns: kept while the fields it shows are unchanged. */
	#info: SessionInfo | undefined;
	/** One per session: aborted when the session ends or another replaces it, which drops all work begun for it. */
	#work = new AbortController();
	#cancelTimer: (() => void) | undefined;

	/** Prefer `createTokenManager(options)`; this is the same. */
	constructor(options: TokenManagerOptions) {
		const o = this.#options = resolveOptions(options);
		this.#repository = createSessionRepository(o.name, o.encryptStorage, loadTokenClient, {
			warn: (code, message, error) => this.#control.warn(code, message, error),
			memoryOnly: () => this.#exchange.memoryOnly(),
		});
		const control = this.#control = this.#createControl();
		this.#exchange = openTabExchange(control);
		this.#runner = createRefreshRunner(control, this.#exchange, (error) => this.#events.emit('error', {error}));
		this.#stopWakeEvents = onWake(() => this.#resync(), () => this.#runner.online());
		this.ready = this.#restore();
	}

	/** `'loading'` until `ready` resolves, then `'signed-in'` or `'signed-out'`. */
	get state(): AuthState {
		return this.#state;
	}

	/** Expiry and schedule of the current session, for display; undefined when signed out. The same object until one of its fields changes. */
	get session(): SessionInfo | undefined {
		return this.#info;
	}

	/** Subscribe to an event. Returns the function that unsubscribes. */
	on<E extends TokenManagerEventName>(name: E, listener: Listener<E>): () => void {
		return this.#events.on(name, listener);
	}

	/**
	 * Start a session from the token endpoint's JSON after login: the refresh token stored (encrypted), the access
	 * token in memory, the other tabs signed in. Rejects with `InvalidResponseError` for a malformed response,
	 * `DpopError` for a token not bound with `dpop` on, or the error loading its code; nothing changes then.
	 */
	async setTokens(json: unknown): Promise<void> {
		const receivedAt = Date.now();
		const client = await loadTokenClient();
		const tokens = client.parseTokenResponse(json, receivedAt, this.#options.dpop);
		await this.ready;
		this.#assertAlive();
		// Whatever was in flight for the previous session is dropped before the new one is stored.
		this.#renew();
		await client.startSession(this.#control, this.#exchange, tokens);
	}

	/** A valid access token, refreshing first when it is due (shared with concurrent calls and, through the lock, with the other tabs).
	 * Rejects with `SignedOutError` when there is no session, and with the refresh error only once the current token has expired.
	 * After a server answered 401 to a token, pass it as `rejectedToken`: if it is still current, a refresh replaces it; else the newer
	 * token comes back at once. With `signal`, the call stops waiting (rejecting with the abort reason); a refresh it started goes on. */
	async getAccessToken(options: {rejectedToken?: string; signal?: AbortSignal} = {}): Promise<string> {
		const {signal} = options;
		signal?.throwIfAborted();
		const token = this.#accessToken(options.rejectedToken);
		return signal ? abortable(token, signal) : token;
	}

	/** `window.fetch` with the token (and a DPoP proof with `dpop` on), for the page's own origin and `apiOrigins` only; other URLs
	 * untouched. A 401 is retried once after a refresh. Signed out, an allowed request rejects with `SignedOutError` unsent. */
	async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
		// The origin is decided first: a request elsewhere never waits for token-baton's code.
		if (!this.isAllowedUrl((input as Partial<Request>).url ?? input as string | URL)) return fetch(input, init);
		const {authFetch} = await import('../fetch/auth-fetch.js');
		return authFetch(this, input, init, this.#control.warn);
	}

	/** A DPoP proof (RFC 9449) for a request the app sends itself (its own code exchange); `nonce` defaults to the latest known for the
	 * URL's origin. Signed out, it signs with a pending key the next `setTokens` adopts. Rejects with `DpopError` when `dpop` is off. */
	async createDpopProof(method: string, url: string | URL, options?: DpopProofOptions): Promise<string> {
		await this.ready;
		return (await this.#control.dpop()).proof(method, url, options);
	}

	/** @internal The DPoP client (src/dpop/) when `dpop` is on, for auth.fetch, ky and the login. */
	_dpop(): Promise<DpopClient> | false | undefined {
		return this.#options.dpop && this.#control.dpop();
	}

	/** Whether a request to `url` gets the bearer token: the page's own origin or one of `apiOrigins`. */
	isAllowedUrl(url: string | URL): boolean {
		return isAllowedUrl(url, this.#options.apiOrigins);
	}

	/**
	 * End the session in this tab and every other tab: memory and storage (the DPoP key too) cleared first, then the other
	 * tabs told, then the refresh token revoked when `revocationEndpoint` is set. A failed revocation is a `warning`, never a kept session.
	 */
	async logout(): Promise<void> {
		this.#assertAlive();
		const session = this.#session;
		// Started before anything is awaited: a page closed right after logout() must not leave the session for the next load.
		const ending = this.#repository.end({sid: session?.gen.sid ?? '', ended: 'logout'});
		this.#control.signOut('logout');
		const previous = await ending;
		this.#exchange.signedOut('logout');
		if (this.#options.revocationEndpoint === undefined) return;
		await loadTokenClient().then((client) => client.revokeAtLogout(this.#control, previous, session), (cause: unknown) => {
			this.#control.warn('revocation-failed', 'revocation failed', new RevocationError({cause}));
		});
	}

	/** Stop everything: timers, listeners, the channel, pending lock requests. The manager is unusable afterwards. */
	destroy(): void {
		if (this.#alive.signal.aborted) return;
		this.#alive.abort();
		this.#renew();
		this.#cancelTimer?.();
		this.#stopWakeEvents();
		this.#exchange.close();
		this.#events.clear();
	}

	async #accessToken(rejectedToken: string | undefined): Promise<string> {
		await this.ready;
		this.#assertAlive();
		let session = this.#session;
		if (!session) throw new SignedOutError();
		if (rejectedToken !== undefined && rejectedToken === session.accessToken) this.#set(session = tokenRejected(session));
		const decision = decideForCaller(session, this.#runner.backoff, this.#runner.refreshing, Date.now(), rejectedToken);
		if (decision !== 'refresh') {
			if ('token' in decision) return decision.token;
			throw decision.error;
		}

		await this.#runner.refresh(rejectedToken);
		const after = this.#session;
		if (!after) throw new SignedOutError();
		// A token obtained by this very call is handed out even if the server made it short-lived.
		const fetched = after.accessToken !== session.accessToken && !after.rejected && after.accessToken !== rejectedToken;
		if (fetched || isUsable(after, Date.now(), rejectedToken)) return after.accessToken!;
		throw this.#runner.backoff?.error ?? new SignedOutError('no usable token');
	}

	async #restore(): Promise<void> {
		// Let the caller subscribe first: every start-up event is emitted after construction returns.
		await Promise.resolve();
		const {signal} = this.#work;
		const stored = await this.#repository.load();
		// A login, a logout or another tab's message may have come first.
		if (signal.aborted || this.#state !== 'loading') return;
		if (stored && !isEnded(stored)) {
			if (stored.refreshExpiresAt === undefined || Date.now() < stored.refreshExpiresAt) return void this.#control.signIn(stored, stored, undefined, 'restore');
			await this.#repository.end({sid: stored.sid, ended: 'refresh-token-expired'});
		}

		// Nothing to restore: 'loading' becomes 'signed-out', which a UI waiting on the state must hear of.
		this.#set(undefined);
	}

	/** The session's transitions (SessionControl), each defined once: nothing else changes the session. */
	#createControl(): SessionControl {
		const emit = this.#events.emit.bind(this.#events);
		const control: SessionControl = {
			options: this.#options,
			repository: this.#repository,
			alive: this.#alive.signal,
			state: () => this.#state,
			session: () => this.#session,
			work: () => this.#work.signal,
			hasFreshToken: (rejectedToken) => this.#session !== undefined && isFresh(this.#session, Date.now(), rejectedToken),
			signIn: (gen, refresh, access, source) => {
				this.#renew();
				const session = this.#set(signedIn(gen, refresh, access, this.#refreshTime(access?.expiresAt)));
				emit('signed-in', {source});
				if (access) emit('token', {expiresAt: access.expiresAt, source: source === 'tab' ? 'tab' : 'login'});
				this.#tick();
				return session;
			},
			takeTokens: (gen, refresh, access, source) => {
				const session = this.#set(tokensTaken(this.#session!, gen, refresh, access, this.#refreshTime(access.expiresAt)));
				this.#runner.succeeded();
				emit('token', {expiresAt: session.expiresAt, source});
				this.#tick();
				this.#exchange.tokensChanged();
				return session;
			},
			adoptStored: (stored) => {
				this.#set(storedAdopted(this.#session!, stored));
			},
			signOut: (reason) => {
				this.#renew();
				const wasSignedIn = this.#session !== undefined;
				this.#cancelTimer?.();
				this.#set(undefined);
				if (wasSignedIn) emit('signed-out', {reason});
			},
			endSession: async (reason) => {
				const sid = this.#session?.gen.sid;
				control.signOut(reason);
				// The note tells the reason to a tab that reads storage before the message arrives.
				await this.#repository.end(sid === undefined ? undefined : {sid, ended: reason});
				this.#exchange.signedOut(reason);
			},
			warn: (code, message, error) => emit('warning', {code, message, ...error && {error}}),
			tick: () => this.#tick(),
			dpop: async () => (await loadTokenClient()).loadDpop(control, openTabChannel),
		};
		return control;
	}

	/**
	 * Every change of the session goes through here; `state` and `session` follow it, their events only when what they
	 * return changed. A new value showing the same fields (a refused token, the warning) keeps the `session` object.
	 */
	#set<S extends Session | undefined>(session: S): S {
		const state = session ? 'signed-in' : 'signed-out';
		const moved = state !== this.#state;
		const info = session && {expiresAt: session.expiresAt, refreshAt: session.refreshAt, refreshExpiresAt: session.refreshExpiresAt, scope: session.scope, idToken: session.idToken};
		this.#session = session;
		this.#state = state;
		// Numbers, strings and undefined in one key order: their JSON differs exactly when a field does. All three are set before either event.
		if (JSON.stringify(info) !== JSON.stringify(this.#info)) this.#events.emit('session', {session: this.#info = info});
		if (moved) this.#events.emit('state', {state});
		return session;
	}

	/** The session changes hands: work begun for the previous one is dropped, its callers released. */
	#renew(): void {
		this.#work.abort();
		this.#work = new AbortController();
		this.#runner.reset();
	}

	#refreshTime(expiresAt: number | undefined): number | undefined {
		return refreshTime(expiresAt, Date.now(), this.#options.refreshLeewaySeconds * 1000, Math.random());
	}

	/** Look at the clock: act on whatever is due (src/policy/schedule.ts decides), then sleep until the next deadline. */
	#tick(): void {
		this.#cancelTimer?.();
		this.#cancelTimer = undefined;
		const session = this.#session;
		if (!session || this.#alive.signal.aborted) return;
		const step = nextStep(session, this.#runner.backoff, this.#runner.refreshing, Date.now(), this.#options.refreshTokenWarningSeconds * 1000);
		if (step.end) return void this.#control.endSession(step.end);
		if (step.warn) {
			this.#set(warned(session));
			this.#events.emit('warning', {code: 'refresh-token-expiring', message: 'refresh token expiring', expiresAt: session.refreshExpiresAt});
		}

		if (step.refresh) void this.#runner.refresh();
		else if (step.wakeAt !== undefined) this.#cancelTimer = callAt(step.wakeAt, () => this.#tick());
	}

	/** A wake-up (src/schedule/wake-events.ts): catch up with storage, then look at the clock. */
	#resync(): void {
		// Without its code (offline), the clock is all this tab can look at.
		if (this.#session) loadTokenClient().then((client) => client.resync(this.#control), () => this.#tick());
	}

	#assertAlive(): void {
		if (this.#alive.signal.aborted) throw new SignedOutError('destroyed');
	}
}
