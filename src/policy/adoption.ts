import type {Session} from '../core/session.js';
import type {EndedSession, Generation, StoredSession} from '../storage/stored-session.js';
import type {TokenSet} from '../tokens/token-set.js';

/**
 * Whether tokens another tab shared replace this tab's: same login, not an older rotation,
 * a different access token, and at the same rotation only one that lives longer (two tabs
 * may hold tokens of one generation; the later one wins) or replaces a refused one.
 */
export function adoptsShared(session: Session | undefined, gen: Generation, tokens: TokenSet): session is Session {
	if (!session || session.gen.sid !== gen.sid || gen.n < session.gen.n || tokens.accessToken === session.accessToken) return false;
	const sameRotation = gen.n === session.gen.n && session.accessToken !== undefined && !session.rejected;
	return !(sameRotation && session.expiresAt !== undefined && (tokens.expiresAt === undefined || tokens.expiresAt <= session.expiresAt));
}

/** What a tab does with the stored session it just read (after a wake-up, or before a refresh). */
export type StoredAction =
	/** Another tab ended the session: sign out with its reason. */
	| {signOut: string}
	/** Another login replaced this tab's session: join it. */
	| {signIn: StoredSession}
	/** Another tab rotated the refresh token: take it over. */
	| {adopt: StoredSession}
	| undefined;

/** The stored session against this tab's: ended, another login, a newer rotation, or nothing new. */
export function readStored(session: Session, stored: StoredSession | EndedSession | undefined): StoredAction {
	if (!stored) return undefined;
	if ('ended' in stored) return {signOut: stored.ended};
	if (stored.sid !== session.gen.sid) return {signIn: stored};
	return stored.n > session.gen.n ? {adopt: stored} : undefined;
}
