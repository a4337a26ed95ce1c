import {TokenBatonError} from './token-baton-error.js';

/** There is no session: nobody signed in, or the session ended (logout, revoked refresh token…). */
export class SignedOutError extends TokenBatonError {
	/** `ERR_SIGNED_OUT`. */
	static override readonly code = 'ERR_SIGNED_OUT';
	declare readonly code: 'ERR_SIGNED_OUT';
	/** Always `'SignedOutError'`, also in minified bundles. */
	override readonly name = 'SignedOutError';

	/** Thrown by token-baton; apps rarely construct it, except in tests. */
	constructor(message = 'signed out') {
		super(SignedOutError.code, message);
	}
}
