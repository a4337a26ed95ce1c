/**
 * Base class of every error token-baton throws or emits. `code` is stable across releases:
 * branch on it (or on `instanceof`), not on `message`.
 */
export class TokenBatonError extends Error {
	readonly code: string;

	constructor(code: string, message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.name = new.target.name;
		this.code = code;
	}
}
