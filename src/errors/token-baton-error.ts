import type {LoginErrorCode} from './login-error.js';

/**
 * The stable `code` of every token-baton error: one per class of the core, and the login's
 * codes (`LoginErrorCode`, which includes the authorization server's own `error`). Branch on
 * it (or on `instanceof`), not on `message`.
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
	| 'ERR_REVOCATION'
	| 'ERR_DPOP'
	| LoginErrorCode;

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
	/**
	 * Each subclass's name, spelled out: minifiers rename classes, so a name read from the class
	 * would come out as a single letter in an app's production bundle. Every instance carries it
	 * as its brand. Undefined on the base class, which matches every token-baton error.
	 */
	static readonly brand: string | undefined;

	/** True for a token-baton error of this class, from this copy of the package or another one. */
	static override [Symbol.hasInstance](value: unknown): boolean {
		const brand = (value as {[BRAND]?: string} | null)?.[BRAND];
		return brand !== undefined && (this.brand ?? brand) === brand;
	}

	/** Stable identifier of the error class: see {@link ErrorCode}. */
	readonly code: ErrorCode;

	/** The class name (the subclass's `brand`), also in minified bundles. */
	override name: string;

	/** For subclasses: `code` is the stable identifier; the name comes from the subclass's static `brand`. */
	constructor(code: ErrorCode, message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.code = code;
		this.name = (new.target as typeof TokenBatonError).brand ?? 'TokenBatonError';
		(this as {[BRAND]?: string})[BRAND] = this.name;
	}
}
