import type {TokenManager} from '../core/token-manager.js';

/** What the framework bindings read from a token manager: a `TokenManager` fits, and so does a test double. */
export type AuthSource = Pick<TokenManager, 'state' | 'session' | 'on'>;

/**
 * Calls `onChange` after every change of `auth.state` or of what `auth.session` returns
 * (the manager's `state` and `session` events, which cover every change and nothing else).
 * Returns the function that stops listening to both.
 */
export function watchAuth(auth: AuthSource, onChange: () => void): () => void {
	const offState = auth.on('state', onChange);
	const offSession = auth.on('session', onChange);
	return () => {
		offState();
		offSession();
	};
}
