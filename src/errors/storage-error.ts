import {TokenBatonError} from './token-baton-error.js';

export type StorageProblem = 'unavailable' | 'write-failed' | 'corrupt' | 'undecryptable' | 'foreign';

/**
 * IndexedDB could not be used, or held a record that cannot be trusted. Emitted as a
 * `warning`; the manager falls back to memory or starts signed out, and never throws it.
 */
export class StorageError extends TokenBatonError {
	readonly problem: StorageProblem;

	constructor(problem: StorageProblem, message: string, options?: {cause?: unknown}) {
		super('ERR_STORAGE', message, options);
		this.problem = problem;
	}
}
