import {writeSession} from '../storage/session-writes.js';
import type {TabExchange} from '../tabs/tab-exchange.js';
import type {TokenSet} from '../tokens/token-set.js';
import {randomId} from '../utils/random-id.js';
import type {SessionControl} from './session-control.js';

/**
 * A login (`setTokens`): a new session with its own id, the refresh token stored before
 * anything else, then every tab signed in. A login without a refresh token leaves no previous
 * one behind. The refresh-token lifetime comes from the response, else from the option. With
 * DPoP, the session's key (the pending one the code exchange was signed with, else a new one)
 * is stored with it.
 */
export async function startSession(control: SessionControl, exchange: TabExchange, tokens: TokenSet): Promise<void> {
	const {refreshToken} = tokens;
	const lifetime = control.options.refreshTokenLifetimeSeconds;
	const refreshExpiresAt = tokens.refreshExpiresAt ?? (refreshToken && lifetime ? Date.now() + lifetime * 1000 : undefined);
	const gen = {sid: randomId(), n: 0};
	const dpopKey = control.options.dpop ? await (await control.dpop()).keyForLogin(gen.sid) : undefined;
	await (refreshToken === undefined ? control.repository.end() : writeSession(control.repository, {...gen, refreshToken, refreshExpiresAt, dpopKey}, undefined));
	exchange.shareTokens(control.signIn(gen, {refreshToken, refreshExpiresAt}, tokens, 'login'), true);
}
