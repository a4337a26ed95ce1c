import type {Session} from '../core/session.js';
import {toStorageError} from '../errors/storage-error.js';
import type {SessionRepository} from './session-repository.js';
import type {EndedSession, Generation, StoredSession} from './stored-session.js';

/**
 * Compare-and-set: write `next` only if the stored generation is still `expected`. False:
 * another tab moved on and nothing was written. A write that fails keeps the session in this
 * tab's memory instead; the stale record is removed (no other tab may reuse its refresh
 * token) and the other tabs are told, so that none takes the empty store for a logout.
 */
export async function writeSession(repository: SessionRepository, next: StoredSession, expected: Generation | undefined): Promise<boolean> {
	try {
		return await repository.store.replace(next, expected);
	} catch (error) {
		await repository.end();
		repository.useMemory('IndexedDB failed', toStorageError(error, 'write-failed'), true);
		return repository.store.replace(next, undefined);
	}
}

/**
 * What a refresh starts from: the stored session, or this tab's own once storage is (or just
 * became) unusable; storage failing under a live session must not sign anyone out.
 */
export async function loadForRefresh(repository: SessionRepository, own: Session | undefined): Promise<StoredSession | EndedSession | undefined> {
	if (repository.store.persistent) {
		const stored = await repository.load();
		if (repository.store.persistent) return stored;
	}

	const mine = own?.refreshToken && {...own.gen, refreshToken: own.refreshToken, refreshExpiresAt: own.refreshExpiresAt};
	// The memory store compares generations on write: give it the one this refresh starts from.
	if (mine) await repository.store.replace(mine, undefined);
	return mine || undefined;
}

/** Hold every tab's refreshes of generation `expected` until `until` (a server's Retry-After). A failure only loses the hold. */
export async function holdRefreshes(repository: SessionRepository, expected: Generation, until: number): Promise<void> {
	await repository.store.hold(expected, until).catch(() => {});
}
