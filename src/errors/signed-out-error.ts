import {TokenBatonError} from './token-baton-error.js';

/** There is no session: nobody signed in, or the session ended (logout, revoked refresh token…). */
export class SignedOutError extends TokenBatonError {
	/** Always `'SignedOutError'`, also in minified bundles. */
	override readonly name = 'SignedOutError';

	/** Thrown by token-baton; apps rarely construct it, except in tests. */
	constructor(message = 'signed out') {
		super('ERR_SIGNED_OUT', message);
	}
}
