import type {Session} from '../core/session.js';
import type {Generation} from '../storage/stored-session.js';
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
