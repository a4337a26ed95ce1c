import {TokenBatonError} from './token-baton-error.js';

/**
 * What went wrong with IndexedDB: `'unavailable'` (it cannot be opened or read),
 * `'write-failed'`, or a stored record that is `'corrupt'` (not a token-baton record),
 * `'undecryptable'` (its key is gone, or decryption failed) or `'foreign'` (written by a
 * manager with another `name`).
 */
export type StorageProblem = 'unavailable' | 'write-failed' | 'corrupt' | 'undecryptable' | 'foreign';

/**
 * IndexedDB could not be used, or held a record that cannot be trusted. Emitted as a
 * `warning`; the manager falls back to memory or starts signed out, and never throws it.
 */
export class StorageError extends TokenBatonError {
	declare readonly code: 'ERR_STORAGE';
	/** `'StorageError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'StorageError';
	/** Always `'StorageError'`, also in minified bundles. */
	declare readonly name: 'StorageError';

	/** What went wrong. */
	readonly problem: StorageProblem;

	/** `cause` carries the IndexedDB or WebCrypto error behind it, when there is one. */
	constructor(problem: StorageProblem, options?: {cause?: unknown}) {
		super('ERR_STORAGE', `stored session: ${problem}`, options);
		this.problem = problem;
	}
}

/** `error` as a `StorageError`: as it is when it is one, else wrapped (as `cause`) with `problem`. */
export function toStorageError(error: unknown, problem: StorageProblem): StorageError {
	return error instanceof StorageError ? error : new StorageError(problem, {cause: error});
}
