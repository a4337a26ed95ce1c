import type {TokenManager} from '../../src/index.js';

/**
 * Counts the subscriptions to `auth` that are still active: every `auth.on` from now on,
 * minus those unsubscribed. A binding that leaks a listener leaves this above zero.
 */
export function countListeners(auth: TokenManager): () => number {
	let active = 0;
	const on = auth.on.bind(auth);
	auth.on = (name, listener) => {
		const off = on(name, listener);
		let subscribed = true;
		active++;
		return () => {
			if (subscribed) active--;
			subscribed = false;
			off();
		};
	};

	return () => active;
}
