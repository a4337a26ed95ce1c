import {LockTimeoutError} from '../errors/lock-timeout-error.js';
import {OAuthError} from '../errors/oauth-error.js';
import {SignedOutError} from '../errors/signed-out-error.js';
import {StorageError} from '../errors/storage-error.js';
import {TokenBatonError} from '../errors/token-baton-error.js';
import {TransientRefreshError} from '../errors/transient-refresh-error.js';
import {isAllowedUrl} from '../fetch/allowed-origin.js';
import type {FetchAuthority} from '../fetch/auth-fetch.js';
import {callAt} from '../schedule/timer.js';
import {onWake} from '../schedule/wake-events.js';
import {createIdbStore} from '../storage/idb-store.js';
import {createMemoryStore} from '../storage/memory-store.js';
import {isEnded, sameGeneration, type EndedSession, type Generation, type SessionStore, type StoredSession} from '../storage/stored-session.js';
import type {Envelope, SharedTokens} from '../tabs/messages.js';
import {openTabChannel, type TabChannel} from '../tabs/tab-channel.js';
import type {TokenSet} from '../tokens/token-set.js';
import type {Listener, SignedOutReason, TokenManagerEventName, TokenManagerEvents, TokenSource} from '../types/events.js';
import {abortable} from '../utils/abort.js';
import {backoffDelay} from '../utils/backoff.js';
import {Emitter} from '../utils/emitter.js';
import {randomId} from '../utils/random-id.js';
import type {TokenManagerOptions} from '../types/options.js';
import {resolveOptions, type ResolvedOptions} from './options.js';

/** `auth.state`: `'loading'` until `ready` resolves, then whether there is a session. */
export type AuthState = 'loading' | 'signed-in' | 'signed-out';

/** What the app may read about the current session. The access token is not part of it. */
export type SessionInfo = {
	/** When the access token expires (epoch ms), or undefined when unknown or not yet fetched. */
	expiresAt: number | undefined;
	/** When this tab will refresh next (epoch ms), or undefined when it refreshes only on demand. */
	refreshAt: number | undefined;
	/** When the refresh token expires (epoch ms), when known. */
	refreshExpiresAt: number | undefined;
	/** The access token's scope, as the token response gave it. */
	scope: string | undefined;
	/** The OpenID Connect ID token of the latest response that carried one (not verified by token-baton). */
	idToken: string | undefined;
};

/**
 * This tab's view of the session. Its token fields are named as in `SharedTokens`, so the
 * session itself is what goes to the other tabs (they copy only the fields they check).
 */
type Session = Partial<SharedTokens> & {
	gen: Generation;
	/** When this tab refreshes: expiry minus leeway minus this tab's jitter. */
	refreshAt?: number | undefined;
	/** The refresh-token expiry warning has been emitted for this session. */
	warned?: boolean;
};

type AccessPart = Pick<SharedTokens, 'accessToken' | 'expiresAt' | 'scope' | 'idToken'>;
type TokenResponseMessage = Extract<Envelope, {type: 'token-response'}>;

/**
 * A pending retry after a failed refresh. `holdsCallers`: until `retryAt`, explicit calls get
 * the last error instead of a new request (no request storm against a failing server). A
 * lock timeout sent no request, so callers may try the lock again at once.
 */
type Backoff = {attempt: number; retryAt: number; notBefore: number; error: TokenBatonError; holdsCallers: boolean};

/** How long a tab without an access token waits for another tab to share one. */
const ASK_TABS_MS = 100;
/** Refreshes of one token are at least this far apart, whatever the server says about its lifetime. */
const MIN_REFRESH_INTERVAL_MS = 5000;
/** Jitter is drawn up to this share of the leeway, so tabs and clients do not refresh in step. */
const JITTER_SHARE = 0.1;

/**
 * Owns one OAuth session in one tab, in step with the other tabs of the same `name`.
 * Create it with `createTokenManager`.
 */
export class TokenManager {
	/** Resolves once the stored session was restored, or there was none. Never rejects. */
	readonly ready: Promise<void>;

	readonly #options: ResolvedOptions;
	readonly #events = new Emitter<TokenManagerEvents>();
	readonly #tabId = randomId();
	readonly #channel: TabChannel;
	readonly #stopWakeEvents: () => void;
	#store: SessionStore;
	#state: AuthState = 'loading';
	#session: Session | undefined;
	/** Bumped whenever the session is replaced or ended: work begun under an older epoch is dropped. */
	#epoch = 0;
	#inflight: Promise<void> | undefined;
	#inflightAbort: AbortController | undefined;
	#backoff: Backoff | undefined;
	#cancelTimer: (() => void) | undefined;
	/** Questions this tab asked the others, by id: answers to anything else are ignored. */
	readonly #tokenRequests = new Map<string, (message: TokenResponseMessage) => void>();
	/** Called whenever another tab's token is adopted, by whoever is waiting for one. */
	readonly #tokenWaiters = new Set<() => void>();
	#destroyed = false;
	/** Aborted by destroy(): cancels requests that nobody will ever read. */
	readonly #alive = new AbortController();

	/** Prefer `createTokenManager(options)`; this is the same. */
	constructor(options: TokenManagerOptions) {
		this.#options = resolveOptions(options);
		const {name} = this.#options;
		this.#store = createIdbStore(name, this.#options.encryptStorage, async () => (await loadTokenClient()).encodeRecord);
		this.#channel = openTabChannel(name, this.#tabId, (message) => this.#onMessage(message));
		this.#stopWakeEvents = onWake(() => void this.#resync(), () => this.#onOnline());
		this.ready = this.#restore();
	}

	/** `'loading'` until `ready` resolves, then `'signed-in'` or `'signed-out'`. */
	get state(): AuthState {
		return this.#state;
	}

	/** Expiry and schedule of the current session, for display; undefined when signed out. */
	get session(): SessionInfo | undefined {
		const s = this.#session;
		if (!s) return undefined;
		return {expiresAt: s.expiresAt, refreshAt: s.refreshAt, refreshExpiresAt: s.refreshExpiresAt, scope: s.scope, idToken: s.idToken};
	}

	/** Subscribe to an event. Returns the function that unsubscribes. */
	on<E extends TokenManagerEventName>(name: E, listener: Listener<E>): () => void {
		return this.#events.on(name, listener);
	}

	/**
	 * Start a session from the token endpoint's JSON after login. The refresh token is
	 * stored (encrypted), the access token kept in memory, and the other tabs signed in.
	 * Rejects with `InvalidResponseError` for a malformed response, or with the loading error
	 * when the token endpoint client's chunk cannot be downloaded; nothing changes then.
	 */
	async setTokens(json: unknown): Promise<void> {
		const receivedAt = Date.now();
		const tokens = (await loadTokenClient()).parseTokenResponse(json, receivedAt);
		await this.ready;
		this.#assertAlive();
		this.#invalidate();
		const lifetime = this.#options.refreshTokenLifetimeSeconds;
		const refreshExpiresAt = tokens.refreshExpiresAt ?? (tokens.refreshToken && lifetime ? Date.now() + lifetime * 1000 : undefined);
		const gen = {sid: randomId(), n: 0};
		const {refreshToken} = tokens;
		if (refreshToken !== undefined) {
			await this.#write({...gen, refreshToken, refreshExpiresAt}, undefined);
		} else {
			// A new login without a refresh token must not leave the previous one behind.
			await this.#clearStore();
		}

		const session = this.#signIn(gen, {refreshToken, refreshExpiresAt}, tokens, 'login');
		this.#channel.post({type: 'tokens', login: true, gen, tokens: session as SharedTokens});
	}

	/**
	 * A valid access token, refreshing first when it is due (shared with concurrent calls
	 * and, through the lock, with the other tabs). Rejects with `SignedOutError` when there
	 * is no session, and with the refresh error only once the current token has expired.
	 *
	 * After a server answered 401 to a token, pass it as `rejectedToken`: if it is still the
	 * current token, a refresh replaces it; if another refresh already did, the newer token
	 * comes back at once.
	 */
	async getAccessToken(options: {rejectedToken?: string} = {}): Promise<string> {
		const {rejectedToken} = options;
		await this.ready;
		this.#assertAlive();
		const session = this.#session;
		if (!session) throw new SignedOutError();
		// Read now: a refresh updates the session object in place.
		const before = session.accessToken;
		if (this.#hasFreshToken(rejectedToken)) return before!;
		if (rejectedToken !== undefined && rejectedToken === before) {
			// The API refused it: whatever its expiry said, it is due now and no longer handed out,
			// also by a retry that a failed refresh schedules.
			session.expiresAt = session.refreshAt = Date.now();
		}

		if (this.#backoff?.holdsCallers && Date.now() < this.#backoff.retryAt && !this.#inflight) {
			if (before !== undefined && before !== rejectedToken && !isExpired(session)) return before;
			throw this.#backoff.error;
		}

		await this.#refresh(rejectedToken);
		const after = this.#session;
		if (!after) throw new SignedOutError();
		// A token obtained by this very call is handed out even if the server made it short-lived.
		if (after.accessToken !== undefined && after.accessToken !== before) return after.accessToken;
		if (after.accessToken !== undefined && after.accessToken !== rejectedToken && !isExpired(after)) return after.accessToken;
		throw this.#backoff?.error ?? new SignedOutError('no valid access token');
	}

	/**
	 * `window.fetch` with the bearer token, for the page's own origin and `apiOrigins` only.
	 * Other URLs are fetched untouched. A 401 is retried once after a refresh. Signed out,
	 * a request to an allowed origin rejects with `SignedOutError` without being sent.
	 */
	fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
		// A chunk of its own: apps that call the API through ky never load it.
		return import('../fetch/auth-fetch.js').then((module) => module.authFetch(this.#fetchAuthority, input, init));
	}

	/** Whether a request to `url` gets the bearer token: the page's own origin or one of `apiOrigins`. */
	isAllowedUrl(url: string | URL): boolean {
		return isAllowedUrl(url, this.#options.apiOrigins);
	}

	readonly #fetchAuthority: FetchAuthority = {
		isAllowedUrl: (url) => this.isAllowedUrl(url),
		getAccessToken: (rejectedToken, signal) => {
			const token = this.getAccessToken({rejectedToken});
			return signal ? abortable(token, signal) : token;
		},
		onNotRetried: (url) => this.#warn('request-not-retried', `401 from ${url} not retried: stream body`),
	};

	/**
	 * End the session in this tab and every other tab: memory and storage are cleared first,
	 * then the other tabs are told, then the refresh token is revoked when
	 * `revocationEndpoint` is set. A failed revocation is a `warning`, never a kept session.
	 */
	async logout(): Promise<void> {
		await this.ready;
		this.#assertAlive();
		const session = this.#session;
		this.#signOut('logout');
		const stored = await this.#store.load().catch(() => undefined);
		const sid = session?.gen.sid ?? stored?.sid;
		await this.#clearStore(sid === undefined ? undefined : {sid, ended: 'logout'});
		this.#channel.post({type: 'signed-out', reason: 'logout'});
		const refreshToken = (isEnded(stored) ? undefined : stored?.refreshToken) ?? session?.refreshToken;
		if (refreshToken !== undefined && this.#options.revocationEndpoint !== undefined) {
			try {
				await revoke(this.#options, refreshToken);
			} catch (error) {
				this.#warn('revocation-failed', 'revocation failed', error);
			}
		}
	}

	/** Stop everything: timers, listeners, the channel, pending lock requests. The manager is unusable afterwards. */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#invalidate();
		this.#alive.abort(new SignedOutError('destroyed'));
		this.#cancelTimer?.();
		this.#stopWakeEvents();
		this.#channel.close();
		this.#events.clear();
	}

	async #restore(): Promise<void> {
		// Let the caller subscribe first: every start-up event is emitted after construction returns.
		await Promise.resolve();
		if (typeof indexedDB === 'undefined') {
			this.#useMemory('no IndexedDB');
		} else if (this.#options.encryptStorage && typeof crypto?.subtle?.encrypt !== 'function') {
			this.#useMemory('no WebCrypto');
		}

		const stored = await this.#load();
		if (this.#destroyed) return;
		// A login or another tab's message may have arrived while storage was being read.
		if (this.#session || this.#state !== 'loading') return;
		if (!stored || isEnded(stored)) {
			this.#state = 'signed-out';
			return;
		}

		if (stored.refreshExpiresAt !== undefined && Date.now() >= stored.refreshExpiresAt) {
			await this.#clearStore({sid: stored.sid, ended: 'refresh-token-expired'});
			this.#state = 'signed-out';
			return;
		}

		this.#signIn(stored, stored, undefined, 'restore');
	}

	/** The stored session, or undefined; unusable storage switches to memory, untrusted records are discarded. */
	async #load(): Promise<StoredSession | EndedSession | undefined> {
		try {
			return await this.#store.load();
		} catch (error) {
			if (!(error instanceof StorageError) || error.problem === 'unavailable' || error.problem === 'write-failed') {
				this.#useMemory('IndexedDB failed', error);
			} else {
				await this.#clearStore();
				this.#warn('storage-discarded', error.message, error);
			}

			return undefined;
		}
	}

	/**
	 * The session to refresh from: IndexedDB's, or this tab's own when storage is (or just
	 * became) unusable. Storage failing under a live session must not sign the user out.
	 */
	async #loadForRefresh(): Promise<StoredSession | EndedSession | undefined> {
		if (this.#store.persistent) {
			const stored = await this.#load();
			if (this.#store.persistent) return stored;
		}

		const s = this.#session;
		const own = s?.refreshToken && {...s.gen, refreshToken: s.refreshToken, refreshExpiresAt: s.refreshExpiresAt};
		// The memory store compares generations on write: give it the one this refresh starts from.
		if (own) await this.#store.replace(own, undefined);
		return own || undefined;
	}

	/** Write to storage; a failed write keeps the session in this tab's memory instead. */
	async #write(session: StoredSession, expected: Generation | undefined): Promise<boolean> {
		try {
			return await this.#store.replace(session, expected);
		} catch (error) {
			if (!(error instanceof StorageError)) throw error;
			// Leave no stale refresh token behind for another tab to reuse, and tell the tabs
			// that the session lives in memory now, so that none takes the empty store for a logout.
			await this.#clearStore();
			this.#useMemory('IndexedDB failed', error);
			this.#channel.post({type: 'memory-only'});
			return this.#store.replace(session, undefined);
		}
	}

	async #clearStore(ended?: EndedSession): Promise<void> {
		await this.#store.clear(ended).catch(() => {});
	}

	#useMemory(message: string, error?: unknown): void {
		if (!this.#store.persistent) return;
		this.#store = createMemoryStore();
		this.#warn('storage-unavailable', `session in this tab's memory only: ${message}`, error);
	}

	#setAccessToken(session: Session, tokens: AccessPart): void {
		session.accessToken = tokens.accessToken;
		session.expiresAt = tokens.expiresAt;
		session.refreshAt = refreshTime(tokens.expiresAt, Date.now(), this.#options.refreshLeewaySeconds * 1000);
		session.scope = tokens.scope ?? session.scope;
		session.idToken = tokens.idToken ?? session.idToken;
	}

	/**
	 * Start or join the session of generation `gen`, with this refresh token and, when given,
	 * this access token. Whatever was in flight for the previous session is dropped.
	 */
	#signIn(gen: Generation, refresh: Pick<Session, 'refreshToken' | 'refreshExpiresAt'>, tokens: AccessPart | undefined, source: 'login' | 'tab' | 'restore'): Session {
		this.#invalidate();
		const session: Session = {gen: {sid: gen.sid, n: gen.n}, refreshToken: refresh.refreshToken, refreshExpiresAt: refresh.refreshExpiresAt};
		if (tokens) this.#setAccessToken(session, tokens);
		this.#session = session;
		this.#state = 'signed-in';
		this.#events.emit('signed-in', {source});
		if (session.accessToken !== undefined) {
			this.#events.emit('token', {expiresAt: session.expiresAt, source: source === 'tab' ? 'tab' : 'login'});
		}

		this.#tick();
		return session;
	}

	/** End the session in this tab's memory; whatever was in flight for it is dropped. */
	#signOut(reason: SignedOutReason): void {
		this.#invalidate();
		const wasSignedIn = this.#session !== undefined;
		this.#session = undefined;
		this.#state = 'signed-out';
		this.#cancelTimer?.();
		if (wasSignedIn) this.#events.emit('signed-out', {reason});
	}

	/** Drop whatever is in flight: its result, if it ever comes, belongs to a session that is gone. */
	#invalidate(): void {
		this.#epoch++;
		this.#inflightAbort?.abort(new SignedOutError('session changed'));
		this.#inflightAbort = undefined;
		this.#inflight = undefined;
		this.#backoff = undefined;
	}

	/**
	 * End the session everywhere (the server refused the refresh token, or it expired). The
	 * note left in storage tells the reason to a tab that reads it before the message arrives.
	 */
	async #endSession(reason: SignedOutReason): Promise<void> {
		const sid = this.#session?.gen.sid;
		this.#signOut(reason);
		await this.#clearStore(sid === undefined ? undefined : {sid, ended: reason});
		this.#channel.post({type: 'signed-out', reason});
	}

	/**
	 * Single flight: every caller in this tab shares one refresh. A caller whose token was
	 * rejected and who joined a refresh that kept that token starts one more, once.
	 */
	async #refresh(rejectedToken?: string): Promise<void> {
		if (this.#inflight) {
			await this.#inflight;
			if (rejectedToken === undefined || this.#session?.accessToken !== rejectedToken) return;
			// Another caller may have started the extra refresh while this one was waking up.
			const started = this.#inflight as Promise<void> | undefined;
			if (started) return started;
		}

		const epoch = this.#epoch;
		const abort = new AbortController();
		const run = this.#runRefresh(epoch, abort.signal, rejectedToken);
		// Callers stop waiting as soon as the session changes; the request itself runs on, so
		// that a refresh token the server minted meanwhile can still be revoked.
		const shared = abortable(run, abort.signal).catch(() => {}).finally(() => {
			if (this.#inflight === shared) {
				this.#inflight = undefined;
				this.#inflightAbort = undefined;
				this.#tick();
			}
		});
		this.#inflight = shared;
		this.#inflightAbort = abort;
		return shared;
	}

	async #runRefresh(epoch: number, signal: AbortSignal, rejectedToken: string | undefined): Promise<void> {
		try {
			// Start loading the token endpoint client now: it arrives while the other tabs are asked.
			loadTokenClient().catch(() => {});
			// A tab with no access token yet (a new tab, a restored session) asks the others first.
			if (this.#session?.accessToken === undefined && await this.#askTabs(epoch, rejectedToken)) return;
			const {createRefreshLock} = await loadTokenClient();
			const lock = createRefreshLock(`token-baton:${this.#options.name}:refresh`, this.#options.lockTimeoutSeconds * 1000);
			await lock(() => this.#refreshLocked(epoch, rejectedToken), signal);
			if (epoch === this.#epoch) this.#backoff = undefined;
		} catch (error) {
			if (epoch !== this.#epoch || this.#destroyed) return;
			this.#onRefreshError(error);
		}
	}

	/**
	 * Runs while this tab holds the cross-tab lock. The stored session is the truth here:
	 * if another tab rotated it since this tab last looked, this tab adopts that result
	 * instead of sending a refresh token the server already consumed.
	 */
	async #refreshLocked(epoch: number, rejectedToken: string | undefined): Promise<void> {
		if (epoch !== this.#epoch || !this.#session) return;
		const stored = await this.#loadForRefresh();
		if (epoch !== this.#epoch || !this.#session) return;
		if (isEnded(stored)) {
			// Another tab ended the session; its message is on the way. Same reason, no second broadcast.
			this.#signOut(stored.ended);
			return;
		}

		if (!stored?.refreshToken) {
			// No refresh token: another tab logged out, storage was wiped, or the login gave none.
			await this.#endSession(this.#session.refreshToken ? 'session-removed' : 'expired');
			return;
		}

		if (!sameGeneration(stored, this.#session.gen)) {
			this.#adoptStored(stored);
			if (this.#hasFreshToken(rejectedToken) || await this.#askTabs(epoch, rejectedToken)) return;
			if (epoch !== this.#epoch) return;
		} else if (this.#hasFreshToken(rejectedToken)) {
			return;
		}

		// Without shared storage, the tab that refreshed last is the only witness of the newest
		// generation, and its broadcast may still be on its way: ask, and wait for it.
		if (!this.#store.persistent && await this.#askTabs(epoch, rejectedToken)) return;
		if (epoch !== this.#epoch) return;

		let tokens: TokenSet;
		try {
			tokens = await (await loadTokenClient()).requestTokens(this.#options, stored.refreshToken, this.#alive.signal);
		} catch (error) {
			if (!(error instanceof OAuthError) || epoch !== this.#epoch) throw error;
			// Rule out that another tab rotated meanwhile (only possible if the lock failed).
			const now = await this.#loadForRefresh();
			if (now && !isEnded(now) && !sameGeneration(now, stored) && epoch === this.#epoch) {
				this.#adoptStored(now);
				return;
			}

			if (epoch === this.#epoch) await this.#endSession(error.error);
			return;
		}

		const next: StoredSession = {
			sid: stored.sid,
			n: stored.n + 1,
			refreshToken: tokens.refreshToken ?? stored.refreshToken,
			refreshExpiresAt: tokens.refreshExpiresAt ?? stored.refreshExpiresAt,
		};
		// Persist the rotated refresh token before the new access token is handed out.
		const written = epoch === this.#epoch && await this.#write(next, stored);
		if (!written || epoch !== this.#epoch) {
			this.#warn('result-discarded', 'session ended during refresh');
			if (tokens.refreshToken !== undefined) {
				revoke(this.#options, tokens.refreshToken).catch(() => {});
			}

			return;
		}

		const session = this.#takeTokens(next, next.refreshToken, next.refreshExpiresAt, tokens, 'refresh');
		this.#channel.post({type: 'tokens', login: false, gen: session.gen, tokens: session as SharedTokens});
	}

	/** Take over the refresh token another tab stored; keep the old access token until a newer one arrives. */
	#adoptStored(stored: StoredSession): void {
		const session = this.#session!;
		if (session.gen.sid !== stored.sid) {
			session.accessToken = undefined;
			session.expiresAt = undefined;
			session.refreshAt = undefined;
		}

		session.gen = {sid: stored.sid, n: stored.n};
		session.refreshToken = stored.refreshToken;
		session.refreshExpiresAt = stored.refreshExpiresAt;
	}

	/** This tab holds an access token that is not due for refresh, not expired and not the rejected one. */
	#hasFreshToken(rejectedToken?: string): boolean {
		const s = this.#session;
		return s?.accessToken !== undefined && s.accessToken !== rejectedToken && !isDue(s) && !isExpired(s);
	}

	/**
	 * Ask the other tabs for a valid access token and wait up to ASK_TABS_MS for one. True
	 * when this tab then holds a fresh token, whether it came in an answer or in a broadcast
	 * that crossed the question (a refresh that finished meanwhile).
	 */
	async #askTabs(epoch: number, rejectedToken?: string): Promise<boolean> {
		if (!this.#channel.carriesTokens || !this.#session) return false;
		const id = randomId();
		await new Promise<void>((resolve) => {
			const finish = () => {
				clearTimeout(timer);
				this.#tokenRequests.delete(id);
				this.#tokenWaiters.delete(check);
				resolve();
			};

			const check = () => {
				if (this.#hasFreshToken(rejectedToken)) finish();
			};

			const timer = setTimeout(finish, ASK_TABS_MS);
			this.#tokenWaiters.add(check);
			this.#tokenRequests.set(id, (message) => {
				this.#adoptShared(message.gen, message.tokens);
				check();
			});
			this.#channel.post({type: 'token-request', id});
		});
		return epoch === this.#epoch && this.#hasFreshToken(rejectedToken);
	}

	/** Adopt tokens another tab shared, if they belong to this session and are not older than this tab's. */
	#adoptShared(gen: Generation, tokens: SharedTokens): void {
		const session = this.#session;
		if (!session || session.gen.sid !== gen.sid || gen.n < session.gen.n || tokens.accessToken === session.accessToken) return;
		if (gen.n === session.gen.n && session.accessToken !== undefined && session.expiresAt !== undefined
			&& (tokens.expiresAt === undefined || tokens.expiresAt <= session.expiresAt)) {
			return;
		}

		this.#takeTokens(gen, tokens.refreshToken ?? session.refreshToken, tokens.refreshExpiresAt, tokens, 'tab');
	}

	/** The session moves to generation `gen` with new tokens, from this tab's refresh or another tab's. */
	#takeTokens(gen: Generation, refreshToken: string | undefined, refreshExpiresAt: number | undefined, tokens: AccessPart, source: TokenSource): Session {
		const session = this.#session!;
		session.gen = {sid: gen.sid, n: gen.n};
		session.refreshToken = refreshToken;
		session.refreshExpiresAt = refreshExpiresAt;
		this.#setAccessToken(session, tokens);
		this.#backoff = undefined;
		this.#events.emit('token', {expiresAt: session.expiresAt, source});
		this.#tick();
		for (const waiter of [...this.#tokenWaiters]) waiter();
		return session;
	}

	#onMessage(message: Envelope): void {
		if (this.#destroyed || this.#state === 'loading' && message.type !== 'tokens' && message.type !== 'signed-out') return;
		switch (message.type) {
			case 'tokens': {
				if (message.login) {
					this.#adoptLogin(message.gen, message.tokens);
				} else if (message.tokens) {
					this.#adoptShared(message.gen, message.tokens);
				}

				break;
			}

			case 'signed-out': {
				if (!this.#session) {
					// Still loading: do not restore what the other tab just removed.
					if (this.#state === 'loading') this.#state = 'signed-out';
					return;
				}

				this.#signOut(message.reason);
				break;
			}

			case 'token-request': {
				const s = this.#session;
				if (s?.accessToken && !isExpired(s)) {
					this.#channel.post({type: 'token-response', id: message.id, gen: s.gen, tokens: s as SharedTokens});
				}

				break;
			}

			case 'memory-only': {
				this.#useMemory('IndexedDB failed in another tab');
				break;
			}

			case 'token-response': {
				this.#tokenRequests.get(message.id)?.(message);
				break;
			}
		}
	}

	/** Another tab logged in: this tab joins that session. */
	#adoptLogin(gen: Generation, tokens: SharedTokens | undefined): void {
		if (this.#session?.gen.sid === gen.sid) return;
		this.#invalidate();
		if (tokens) {
			this.#signIn(gen, tokens, tokens, 'tab');
			return;
		}

		// Over a storage-backed transport the login carries no tokens: read them from storage.
		void this.#load().then((stored) => {
			if (stored && !isEnded(stored) && stored.sid === gen.sid && this.#session?.gen.sid !== gen.sid && !this.#destroyed) {
				this.#signIn(stored, stored, undefined, 'tab');
			}
		});
	}

	/**
	 * After sleep, a freeze or the back/forward cache, this tab may have missed messages.
	 * Storage says what happened meanwhile: a logout, a new login, a rotation. Then the clock.
	 */
	async #resync(): Promise<void> {
		const session = this.#session;
		if (session && this.#store.persistent) {
			const epoch = this.#epoch;
			const stored = await this.#load();
			if (epoch !== this.#epoch || this.#destroyed) return;
			if (isEnded(stored)) {
				this.#signOut(stored.ended);
				return;
			}

			if (stored && stored.sid !== session.gen.sid) {
				this.#signIn(stored, stored, undefined, 'tab');
				return;
			}

			// A rotation elsewhere: take the newer refresh token; the access token this tab has stays good until due.
			if (stored && stored.n > session.gen.n) this.#adoptStored(stored);
		}

		this.#tick();
	}

	#onRefreshError(error: unknown): void {
		const tokenError = error instanceof TokenBatonError
			? error
			: new TransientRefreshError('network', 'refresh failed', {cause: error});
		const attempt = (this.#backoff?.attempt ?? 0) + 1;
		const now = Date.now();
		const notBefore = tokenError instanceof TransientRefreshError ? tokenError.retryAt ?? now : now;
		const retryAt = Math.max(now + backoffDelay(attempt), notBefore);
		if (tokenError instanceof TransientRefreshError) tokenError.retryAt = retryAt;
		this.#backoff = {attempt, retryAt, notBefore, error: tokenError, holdsCallers: !(tokenError instanceof LockTimeoutError)};
		this.#events.emit('error', {error: tokenError});
	}

	#onOnline(): void {
		// Back online: retry at once, unless the server asked to wait longer.
		if (this.#backoff) this.#backoff.retryAt = Math.max(Date.now(), this.#backoff.notBefore);
		this.#tick();
	}

	/** Look at the clock: act on whatever is due, then sleep until the next deadline. */
	#tick(): void {
		this.#cancelTimer?.();
		this.#cancelTimer = undefined;
		const s = this.#session;
		if (this.#destroyed || !s || this.#state !== 'signed-in') return;
		const now = Date.now();
		if (s.refreshExpiresAt !== undefined && now >= s.refreshExpiresAt) {
			void this.#endSession('refresh-token-expired');
			return;
		}

		const warnAt = s.refreshExpiresAt === undefined ? undefined : s.refreshExpiresAt - this.#options.refreshTokenWarningSeconds * 1000;
		if (warnAt !== undefined && now >= warnAt && !s.warned) {
			s.warned = true;
			this.#events.emit('warning', {
				code: 'refresh-token-expiring',
				message: 'refresh token expires soon',
				expiresAt: s.refreshExpiresAt,
			});
		}

		if (this.#inflight) return;
		const refreshAt = this.#backoff?.retryAt ?? (s.accessToken === undefined ? now : s.refreshAt);
		if (refreshAt !== undefined && now >= refreshAt) {
			if (s.refreshToken === undefined) {
				if (isExpired(s)) void this.#endSession('expired');
			} else {
				void this.#refresh();
				return;
			}
		}

		const deadlines = [refreshAt, s.refreshToken === undefined ? s.expiresAt : undefined, s.warned ? undefined : warnAt, s.refreshExpiresAt]
			.filter((at): at is number => at !== undefined && at > now);
		if (deadlines.length > 0) this.#cancelTimer = callAt(Math.min(...deadlines), () => this.#tick());
	}

	#warn(code: TokenManagerEvents['warning']['code'], message: string, error?: unknown): void {
		const detail = error instanceof TokenBatonError ? {error} : {};
		this.#events.emit('warning', {code, message, ...detail});
	}

	#assertAlive(): void {
		if (this.#destroyed) throw new SignedOutError('destroyed');
	}
}

/**
 * What a tab needs only once it talks to the token endpoint (the refresh lock, the request,
 * response parsing, error classification, sealing the record to store) is a chunk of its own,
 * loaded at the first login or refresh of this tab: signed-out visitors and tabs that take
 * their tokens from other tabs never download it. A chunk that fails to load fails the
 * refresh like a network error, before any lock or request: the session is kept and the
 * refresh retried with backoff.
 */
function loadTokenClient(): Promise<typeof import('../refresh/token-client.js')> {
	return import('../refresh/token-client.js');
}

/** Revocation happens at logout only: its code is loaded then. */
async function revoke(options: ResolvedOptions, refreshToken: string): Promise<void> {
	return (await import('../refresh/revoke.js')).revokeRefreshToken(options, refreshToken);
}

/** Refresh at expiry minus leeway minus jitter; the leeway never exceeds half the lifetime. */
function refreshTime(expiresAt: number | undefined, now: number, leewayMs: number): number | undefined {
	if (expiresAt === undefined) return undefined;
	const leeway = Math.min(leewayMs, Math.max(0, (expiresAt - now) / 2));
	const jitter = Math.random() * leeway * JITTER_SHARE;
	return Math.max(expiresAt - leeway - jitter, now + MIN_REFRESH_INTERVAL_MS);
}

function isDue(session: Session): boolean {
	return session.refreshAt !== undefined && Date.now() >= session.refreshAt;
}

function isExpired(session: Session): boolean {
	return session.expiresAt !== undefined && Date.now() >= session.expiresAt;
}

/**
 * Create the token manager of this tab. Invalid options throw `InvalidOptionError` naming
 * the option. Managers with the same `name` in other tabs of the origin work as one.
 *
 * @example
 * ```ts
 * const auth = createTokenManager({
 *   tokenEndpoint: 'https://auth.example.com/oauth/token',
 *   clientId: 'my-spa',
 *   apiOrigins: ['https://api.example.com'],
 * });
 * await auth.ready;
 * const response = await auth.fetch('https://api.example.com/me');
 * ```
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
	return new TokenManager(options);
}
