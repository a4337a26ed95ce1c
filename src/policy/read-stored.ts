import type {Session} from '../core/session.js';
import type {EndedSession, StoredSession} from '../storage/stored-session.js';

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
