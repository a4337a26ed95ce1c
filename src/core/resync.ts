import {readStored} from '../policy/read-stored.js';
import type {SessionControl} from './session-control.js';

/**
 * After sleep, a freeze or the back/forward cache, a tab may have missed messages. Storage
 * says what happened meanwhile: a logout, a new login, a rotation (src/policy/read-stored.ts
 * decides what to do with it). Then the clock.
 */
export async function resync(control: SessionControl): Promise<void> {
	const signal = control.work();
	const stored = control.session() && control.repository.store.persistent ? await control.repository.load() : undefined;
	const session = control.session();
	if (signal.aborted || !session) return;
	const action = readStored(session, stored);
	if (action && 'signOut' in action) control.signOut(action.signOut);
	else if (action && 'signIn' in action) control.signIn(action.signIn, action.signIn, undefined, 'tab');
	else if (action) control.adoptStored(action.adopt);
	control.tick();
}
