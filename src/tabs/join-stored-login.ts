import type {SessionControl} from '../core/session-control.js';
import {isEnded, type Generation} from '../storage/stored-session.js';

/**
 * Join the login another tab announced over a storage-backed channel, where no token may
 * travel: read its session from storage, if it is still the one announced and this tab has
 * not joined it meanwhile.
 */
export async function joinStoredLogin(control: SessionControl, gen: Generation): Promise<void> {
	const stored = await control.repository.load();
	if (stored && !isEnded(stored) && stored.sid === gen.sid && control.session()?.gen.sid !== gen.sid && !control.alive.aborted) {
		control.signIn(stored, stored, undefined, 'tab');
	}
}
