/**
 * The stable `code` of every token-baton error, one per class. Branch on it (or on
 * `instanceof`), not on `message`.
 */
export type ErrorCode =
	| 'ERR_SIGNED_OUT'
	| 'ERR_OAUTH'
	| 'ERR_REFRESH_TRANSIENT'
	| 'ERR_REFRESH_FAILED'
	| 'ERR_INVALID_RESPONSE'
	| 'ERR_LOCK_TIMEOUT'
	| 'ERR_INVALID_OPTION'
	| 'ERR_STORAGE'
	| 'ERR_REVOCATION';

// Symbol.for: the same symbol in every copy of the package an app happens to load.
const BRAND = Symbol.for('token-baton.error');

/**
 * Base class of every error token-baton throws or emits. `code` is stable across releases:
 * branch on it (or on `instanceof`), not on `message`.
 *
 * `instanceof` works across two copies of the package (an app that loads both its ESM and
 * its CJS build): it checks a brand every token-baton error carries, not the prototype chain.
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
	/** The `code` of the class's instances; undefined on the base class, which matches them all. */
	static readonly code: ErrorCode | undefined;

	/** True for a token-baton error of this class, from this copy of the package or another one. */
	static override [Symbol.hasInstance](value: unknown): boolean {
		const code = (value as {[BRAND]?: ErrorCode} | null)?.[BRAND];
		return code !== undefined && (this.code ?? code) === code;
	}

	/** Stable identifier of the error class: see {@link ErrorCode}. */
	readonly code: ErrorCode;

	/**
	 * The class name. Every subclass spells out its own: minifiers rename classes, so a name
	 * read from the class would come out as a single letter in an app's production bundle.
	 */
	override name = 'TokenBatonError';

	/** For subclasses: `code` is the class's stable identifier; set `name` to the subclass's name. */
	constructor(code: ErrorCode, message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.code = code;
		(this as {[BRAND]?: string})[BRAND] = code;
	}
}
