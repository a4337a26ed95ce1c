/**
 * Base class of every error token-baton throws or emits. `code` is stable across releases:
 * branch on it (or on `instanceof`), not on `message`.
 *
 * @example
 * ```ts
 * try {
 *   await auth.getAccessToken();
 * } catch (error) {
 *   if (error instanceof TokenBatonError && error.code === 'ERR_SIGNED_OUT') showLogin();
 *   else throw error;
 * }
 * ```
 */
export class TokenBatonError extends Error {
	/**
	 * Stable identifier of the error class: `ERR_SIGNED_OUT`, `ERR_OAUTH`,
	 * `ERR_REFRESH_TRANSIENT`, `ERR_INVALID_RESPONSE`, `ERR_LOCK_TIMEOUT`,
	 * `ERR_INVALID_OPTION` or `ERR_STORAGE`.
	 */
	readonly code: string;

	/**
	 * The class name. Every subclass spells out its own: minifiers rename classes, so a name
	 * read from the class would come out as a single letter in an app's production bundle.
	 */
	override name = 'TokenBatonError';

	/** For subclasses: `code` is the stable identifier; set `name` to the subclass's name. */
	constructor(code: string, message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.code = code;
	}
}
