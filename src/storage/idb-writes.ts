import {update, type UseStore} from 'idb-keyval';
import {guard, SESSION_KEY, type StoredRecord} from './idb-store.js';
import {encodeRecord, generationOf} from './record-codec.js';
import {sameGeneration, type Generation, type StoredSession} from './stored-session.js';

/**
 * Write `next` in one readwrite transaction, but only if the stored generation is still
 * `expected` (undefined: whatever is stored). False when another tab moved on meanwhile.
 */
export async function replaceRecord(store: UseStore, name: string, encrypt: boolean, next: StoredSession, expected: Generation | undefined): Promise<boolean> {
	const record = await guard('write-failed', async () => encodeRecord(next, name, encrypt, store));
	let written = false;
	await guard('write-failed', async () => update<unknown>(SESSION_KEY, (current) => {
		// Runs inside the transaction: no other tab can write in between.
		if (expected !== undefined && !sameGeneration(generationOf(current), expected)) return current;
		written = true;
		return record;
	}, store));
	return written;
}

/** Keep every tab's refreshes of generation `expected` back until `until` (a Retry-After). */
export async function holdRecord(store: UseStore, expected: Generation, until: number): Promise<void> {
	await guard('write-failed', async () => update<unknown>(SESSION_KEY, (current) => sameGeneration(generationOf(current), expected) ? {...current as StoredRecord, holdUntil: until} : current, store));
}
