import type {Generation} from '../storage/stored-session.js';
import type {TokenSet} from '../tokens/token-set.js';

/** What a login, a refresh or another tab brings besides the refresh token. */
export type AccessTokens = Pick<TokenSet, 'accessToken' | 'expiresAt' | 'scope' | 'idToken'>;

/** The refresh token of a session and its expiry (epoch ms), when known. */
export type RefreshPart = {refreshToken: string | undefined; refreshExpiresAt: number | undefined};

/**
 * This tab's session: an immutable value. The manager holds the current one and replaces it
 * through the transitions below; nothing changes a session in place, so a caller that read
 * one keeps a consistent view however the session moves on meanwhile.
 */
export type Session = Readonly<RefreshPart & {
	/** Orders sessions and rotations across tabs: `sid` per login, `n` per rotation. */
	gen: Generation;
	/** Undefined until this tab has one: a restored session, or another tab's login over a storage-backed channel. */
	accessToken: string | undefined;
	/** When the access token expires (local epoch ms), or undefined when nothing says. */
	expiresAt: number | undefined;
	scope: string | undefined;
	idToken: string | undefined;
	/** When this tab refreshes: expiry minus leeway minus this tab's jitter; undefined: on demand only. */
	refreshAt: number | undefined;
	/** An API answered 401 to `accessToken`: a refresh is due now, and the token is never handed out again. */
	rejected: boolean;
	/** The `refresh-token-expiring` warning was emitted for `refreshExpiresAt`. */
	warned: boolean;
}>;

/** A new session: a login here or in another tab, or a restored one (no access token yet). */
export function signedIn(gen: Generation, refresh: RefreshPart, access: AccessTokens | undefined, refreshAt: number | undefined): Session {
	return {
		gen: {sid: gen.sid, n: gen.n},
		refreshToken: refresh.refreshToken,
		refreshExpiresAt: refresh.refreshExpiresAt,
		accessToken: access?.accessToken,
		expiresAt: access?.expiresAt,
		scope: access?.scope,
		idToken: access?.idToken,
		refreshAt,
		rejected: false,
		warned: false,
	};
}

/** The session moves to generation `gen` with new tokens: this tab's refresh or another tab's. */
export function tokensTaken(session: Session, gen: Generation, refresh: RefreshPart, access: AccessTokens, refreshAt: number | undefined): Session {
	return {
		...signedIn(gen, refresh, access, refreshAt),
		// A response without them keeps the ones the session had.
		scope: access.scope ?? session.scope,
		idToken: access.idToken ?? session.idToken,
		// A new refresh-token expiry deserves its own warning.
		warned: session.warned && session.refreshExpiresAt === refresh.refreshExpiresAt,
	};
}

/**
 * Another tab stored a newer refresh token: take it over. The access token stays until a
 * newer one arrives, unless the stored session is another login altogether.
 */
export function storedAdopted(session: Session, stored: Generation & RefreshPart): Session {
	return session.gen.sid === stored.sid
		? {...session, gen: {sid: stored.sid, n: stored.n}, refreshToken: stored.refreshToken, refreshExpiresAt: stored.refreshExpiresAt}
		: signedIn(stored, stored, undefined, undefined);
}

/** An API refused the access token: due now, and no longer handed out. Its expiry stays what it was. */
export function tokenRejected(session: Session): Session {
	return {...session, rejected: true};
}

/** The refresh-token expiry warning went out. */
export function warned(session: Session): Session {
	return {...session, warned: true};
}
