import {TokenBatonError} from './token-baton-error.js';

/** There is no session: nobody signed in, or the session ended (logout, revoked refresh token…). */
export class SignedOutError extends TokenBatonError {
	declare readonly code: 'ERR_SIGNED_OUT';
	/** `'SignedOutError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'SignedOutError';
	/** Always `'SignedOutError'`, also in minified bundles. */
	declare readonly name: 'SignedOutError';

	/** Thrown by token-baton; apps rarely construct it, except in tests. */
	constructor(message = 'signed out') {
		super('ERR_SIGNED_OUT', message);
	}
}
