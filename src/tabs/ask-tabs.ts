import {randomId} from '../utils/random-id.js';
import type {TabExchange} from './tab-exchange.js';

/** How long a tab without an access token waits for another tab to share one. */
export const ASK_TABS_MS = 100;

/**
 * Ask the other tabs for a token and wait up to ASK_TABS_MS. Resolves true as soon as
 * `hasToken()` holds, whether an answer or a broadcast that crossed the question (a refresh
 * another tab just finished) brought the token. Answers to other questions are ignored.
 */
export async function askTabs(exchange: TabExchange, hasToken: () => boolean): Promise<boolean> {
	if (!exchange.carriesTokens) return false;
	const id = randomId();
	await new Promise<void>((resolve) => {
		const finish = () => {
			clearTimeout(timer);
			stop();
			resolve();
		};

		const stop = exchange.watch((answer) => {
			if (answer?.id === id) exchange.adopt(answer.gen, answer.tokens);
			else if (answer) return;
			if (hasToken()) finish();
		});
		const timer = setTimeout(finish, ASK_TABS_MS);
		exchange.request(id);
	});
	return hasToken();
}
