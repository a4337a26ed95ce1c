/**
 * What survives a reload: the refresh token and the generation that orders writes across
 * tabs. The access token is never part of it.
 */
export type StoredSession = {
	refreshToken: string;
	/** Random per login: a different `sid` is a different session. */
	sid: string;
	/** Counts rotations within the session: higher is newer. */
	n: number;
	/** Local epoch ms at which the refresh token expires, when known. */
	refreshExpiresAt: number | undefined;
	/** A server's Retry-After, for every tab: no refresh request before this (local epoch ms). */
	holdUntil?: number | undefined;
	/** The session's DPoP key pair (src/dpop/), when `dpop` is on: removed with the session. */
	dpopKey?: CryptoKeyPair | undefined;
};

export type Generation = Pick<StoredSession, 'sid' | 'n'>;

/**
 * What an ended session leaves in storage (no token): a tab that reads it, perhaps before
 * the channel's sign-out message has reached it, learns the real reason.
 */
export type EndedSession = {sid: string; ended: string};

export function isEnded(value: StoredSession | EndedSession | undefined): value is EndedSession {
	return value !== undefined && 'ended' in value;
}

export function sameGeneration(a: Generation | undefined, b: Generation | undefined): boolean {
	return a !== undefined && b !== undefined && a.sid === b.sid && a.n === b.n;
}

/** Where sessions are kept: IndexedDB, or this tab's memory when IndexedDB is unusable. */
export interface SessionStore {
	/** False for the in-memory store: nothing survives a reload or reaches another tab. */
	readonly persistent: boolean;
	/** Throws `StorageError` for a record that cannot be trusted (the caller discards it). */
	load(): Promise<StoredSession | EndedSession | undefined>;
	/**
	 * Write `next` in one transaction, but only if the stored generation is still `expected`
	 * (`undefined`: write whatever is stored). False means another tab changed or removed
	 * the session meanwhile and nothing was written.
	 */
	replace(next: StoredSession, expected: Generation | undefined): Promise<boolean>;
	/**
	 * Remove the session; with `ended`, leave that note in its place. Resolves to what was
	 * stored before, as stored (`decode` reads it). Rejects with `StorageError` only when the
	 * session could not be removed at all (a note that cannot be written falls back to a
	 * plain delete).
	 */
	clear(ended?: EndedSession): Promise<unknown>;
	/** A value `clear` returned, read as `load` reads the stored one. */
	decode(value: unknown): Promise<StoredSession | EndedSession | undefined>;
	/** Keep every tab's refreshes of generation `expected` back until `until` (a Retry-After). */
	hold(expected: Generation, until: number): Promise<void>;
}
