import type {SessionControl} from '../core/session-control.js';
import type {StoredSession} from '../storage/stored-session.js';
import type {dpopError} from './dpop-failure.js';
import type {openTabChannel} from '../tabs/tab-channel.js';
import {createKeyPair as createEcKeyPair, publicJwk, thumbprint} from './dpop-key.js';
import {asksForNonce as isNonceError} from './nonce-error.js';
import {openNonceStore, type NonceStore} from './nonce-store.js';
import {signProof} from './dpop-proof.js';

/** `auth.createDpopProof`'s options. */
export type DpopProofOptions = {
	/** The server's nonce; default: the latest one known for the URL's origin. */
	nonce?: string;
	/** The access token the request carries: its hash goes into the proof (`ath`). */
	accessToken?: string;
};

/**
 * One manager's DPoP (RFC 9449), loaded only when the `dpop` option is on: the session's key
 * pair (kept in the stored session record, so every tab and reload signs with the same key,
 * and removed with it), the pending key of a login under way, the nonces, and proofs.
 */
export type DpopClient = {
	/** A proof for `method` `url`, signed with `key`, else with the session's key (the pending one while signed out). */
	proof(method: string, url: string | URL, options?: DpopProofOptions, key?: CryptoKeyPair): Promise<string>;
	/** Keep the response's `DPoP-Nonce` for its origin (servers send new ones on successes too); resolves whether the response asks for a retry with it. */
	asksForNonce(url: string | URL, response: Response): Promise<boolean>;
	/**
	 * A POST to the token or revocation endpoint signed with `key` (its `dpop` header added to
	 * `init`'s), sent again once when the answer asks for a nonce, with the nonce just learned.
	 */
	post(url: string, init: RequestInit & {headers: Record<string, string>}, key: CryptoKeyPair): Promise<Response>;
	/**
	 * `request` (an `auth.fetch` attempt to an allowed origin) with `Authorization: DPoP token`
	 * and a proof; when the answer asks for a nonce, once more with a copy from `replay`. An
	 * answer that still asks for one is returned, and `askedForNonce` says so.
	 */
	request(request: Request, token: string, extra: RequestInit | undefined, replay: (() => Request) | undefined): Promise<Response>;
	/** Whether `request` returned `response` because the server wanted a nonce it could not give: a 401 about nonces, not about the token. */
	askedForNonce(response: Response): boolean;
	/**
	 * What signs the refresh of `stored`: its key (or this tab's, for its session). Null when the
	 * shared storage has no key for it: the refresh token is bound to a key nobody has any more.
	 * Rejects with `DpopError('no-key')` when the session lives in memory in another tab.
	 */
	signer(stored: StoredSession): Promise<{client: DpopClient; key: CryptoKeyPair} | null>;
	/**
	 * The key of a new session `sid`: the pending one (the code exchange was signed with it);
	 * else the current session's, which an app's own exchange signed while signed in; else a new one.
	 */
	keyForLogin(sid: string): Promise<CryptoKeyPair>;
	/** The key a login under way signs its code exchange with, made on first use: the next session's. */
	pendingKey(): Promise<CryptoKeyPair>;
	/** The key of session `sid` as read from storage (the refresh flow reads it anyway). */
	useKey(sid: string, pair: CryptoKeyPair): void;
	/** The session's key (the pending one while signed out); `DpopError('no-key')` when this tab cannot find it. */
	key(): Promise<CryptoKeyPair>;
	/** The RFC 7638 thumbprint of `key()`'s public key: what bound tokens carry as `cnf.jkt`. */
	thumbprint(): Promise<string>;
};


const clients = new WeakMap<SessionControl, DpopClient>();

/** The DPoP client of the manager that owns `control`: one per manager, made on first use. Throws `DpopError('off')` without the `dpop` option. */
// What it uses of the core comes in as arguments: load-dpop.ts says why.
export default function dpopClient(control: SessionControl, openChannel: typeof openTabChannel, fail: typeof dpopError): DpopClient {
	if (!control.options.dpop) throw fail('off');
	let client = clients.get(control);
	if (!client) clients.set(control, client = createDpopClient(control, fail, openNonceStore(control.options.name, control.alive, openChannel)));
	return client;
}

function createDpopClient(control: SessionControl, fail: typeof dpopError, nonces: NonceStore): DpopClient {
	const createKeyPair = async () => {
		// Insecure http pages have no WebCrypto: DPoP cannot work there.
		if (typeof crypto?.subtle?.generateKey !== 'function') throw fail('unsupported');
		return createEcKeyPair();
	};

	let pending: Promise<CryptoKeyPair> | undefined;
	let current: {sid: string; pair: CryptoKeyPair} | undefined;
	const jwks = new WeakMap<CryptoKeyPair, ReturnType<typeof publicJwk>>();
	const jwkOf = (pair: CryptoKeyPair) => {
		let jwk = jwks.get(pair);
		if (!jwk) jwks.set(pair, jwk = publicJwk(pair));
		return jwk;
	};

	const asksForNonce = async (url: string | URL, response: Response) => {
		const nonce = response.headers.get('dpop-nonce');
		if (nonce) nonces.set(url, nonce);
		return isNonceError(response);
	};

	// Signed out: the key a login under way signs its code exchange with; the next setTokens adopts it.
	const pendingKey = async () => {
		if (!pending) {
			pending = createKeyPair();
			pending.catch(() => {
				pending = undefined;
			});
		}

		return pending;
	};

	const key = async (): Promise<CryptoKeyPair> => {
		const sid = control.session()?.gen.sid;
		if (sid === undefined) {
			current = undefined;
			return pendingKey();
		}

		if (current?.sid === sid) return current.pair;
		// Another tab's login, or a restored session: the key is in the stored record.
		const stored = await control.repository.load();
		if (stored && 'dpopKey' in stored && stored.sid === sid && stored.dpopKey) {
			current = {sid, pair: stored.dpopKey};
			return stored.dpopKey;
		}

		throw fail('no-key');
	};

	const proof: DpopClient['proof'] = async (method, url, options = {}, pair) => {
		pair ??= await key();
		await nonces.ready;
		return signProof(pair.privateKey, await jwkOf(pair), {method, url, nonce: options.nonce ?? nonces.get(url), accessToken: options.accessToken});
	};

	// Answers that asked for a nonce after their one retry: returned to the caller as they are.
	const refused = new WeakSet<Response>();
	/** `attempt`, and once more when the answer asks for a nonce; the retry's proof carries it. */
	const withNonce = async (url: string, attempt: (again: boolean) => Promise<Response | undefined>) => {
		const first = (await attempt(false))!;
		if (!(await asksForNonce(url, first))) return first;
		const second = await attempt(true);
		if (!second) {
			refused.add(first);
			return first;
		}

		// Not awaited: cancelling a body nobody reads may never settle.
		first.body?.cancel().catch(() => {});
		if (await asksForNonce(url, second)) refused.add(second);
		return second;
	};

	const client: DpopClient = {
		proof,
		asksForNonce,
		post: async (url, init, pair) => withNonce(url, async () => fetch(url, {...init, headers: {...init.headers, dpop: await proof('POST', url, {}, pair)}})),
		request: async (request, token, extra, replay) => withNonce(request.url, async (again) => {
			const attempt = again ? replay?.() : request;
			if (!attempt) return undefined;
			attempt.headers.set('authorization', `DPoP ${token}`);
			attempt.headers.set('dpop', await proof(attempt.method, attempt.url, {accessToken: token}));
			return fetch(attempt, extra);
		}),
		askedForNonce: (response) => refused.has(response),
		async signer(stored) {
			const pair = stored.dpopKey ?? await key().catch(() => undefined);
			if (!pair) {
				if (control.repository.store.persistent) return null;
				throw fail('no-key');
			}

			current = {sid: stored.sid, pair};
			return {client, key: pair};
		},
		async keyForLogin(sid) {
			const own = current?.sid === control.session()?.gen.sid ? current?.pair : undefined;
			const pair = await (pending ?? own ?? createKeyPair());
			pending = undefined;
			current = {sid, pair};
			return pair;
		},
		pendingKey,
		useKey(sid, pair) {
			current = {sid, pair};
		},
		key,
		thumbprint: async () => thumbprint(await jwkOf(await key())),
	};
	return client;
}
