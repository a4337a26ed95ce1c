import type {SessionControl} from '../core/session-control.js';
import {OAuthError} from '../errors/oauth-error.js';
import {RefreshFailedError} from '../errors/refresh-failed-error.js';
import {TokenBatonError} from '../errors/token-baton-error.js';
import {TransientRefreshError} from '../errors/transient-refresh-error.js';
import {holdRefreshes, loadForRefresh, writeSession} from '../storage/session-writes.js';
import {isEnded, sameGeneration, type StoredSession} from '../storage/stored-session.js';
import {askTabs} from '../tabs/ask-tabs.js';
import {createRefreshLock} from '../tabs/refresh-lock.js';
import type {TabExchange} from '../tabs/tab-exchange.js';
import type {TokenSet} from '../tokens/token-set.js';
import {MAX_RETRY_AFTER_MS} from './retry-after.js';
import {revokeRefreshToken} from './revoke.js';
import {requestTokens} from './token-request.js';

/**
 * One refresh of this tab. A tab with no access token yet (a new tab, a restored session)
 * asks the other tabs first; otherwise the refresh runs under the cross-tab lock. Resolves
 * when this tab holds new tokens, adopted another tab's, or ended the session; rejects with
 * a `TokenBatonError` when the refresh failed for now (the caller schedules the retry).
 * `signal` aborts when the session this refresh began for ends or is replaced: from then on
 * nothing here changes anything.
 */
export async function refresh(control: SessionControl, exchange: TabExchange, rejectedToken: string | undefined, signal: AbortSignal): Promise<void> {
	if (control.session()?.accessToken === undefined && await askTabs(exchange, () => control.hasFreshToken(rejectedToken)) || signal.aborted) return;
	const {name, lockTimeoutSeconds} = control.options;
	const lock = createRefreshLock(`token-baton:${name}:refresh`, lockTimeoutSeconds * 1000);
	try {
		await lock(async () => refreshLocked(control, exchange, rejectedToken, signal), signal);
	} catch (error) {
		// Ours are classified already. Anything else is a bug, here or in a `refresh` function:
		// reported with its cause, and not retried on a timer as if the network were down.
		throw error instanceof TokenBatonError || signal.aborted ? error : new RefreshFailedError({cause: error});
	}
}

/**
 * The stored session is the truth here: if another tab rotated it since this tab last
 * looked, this tab adopts that result instead of sending a refresh token the server has
 * already consumed (which a server with reuse detection punishes by ending the session).
 */
async function refreshLocked(control: SessionControl, exchange: TabExchange, rejectedToken: string | undefined, signal: AbortSignal): Promise<void> {
	const {repository, options} = control;
	const fresh = () => control.hasFreshToken(rejectedToken);
	const stored = await loadForRefresh(repository, control.session());
	const session = control.session();
	if (signal.aborted || !session) return;
	if (isEnded(stored)) {
		// Another tab ended the session; its message is on the way. Same reason, no second broadcast.
		control.signOut(stored.ended);
		return;
	}

	if (!stored?.refreshToken) {
		// No refresh token: another tab logged out, storage was wiped, or the login gave none.
		await control.endSession(session.refreshToken ? 'session-removed' : 'expired');
		return;
	}

	if (!sameGeneration(stored, session.gen)) {
		control.adoptStored(stored);
		if (fresh() || await askTabs(exchange, fresh)) return;
	} else if (fresh()) {
		return;
	}

	if (signal.aborted) return;
	// Without shared storage, the tab that refreshed last is the only witness of the newest
	// generation, and its broadcast may still be on its way: ask, and wait for it.
	if (!repository.store.persistent && await askTabs(exchange, fresh) || signal.aborted) return;
	// Another tab's server asked to wait (Retry-After): so does this one. A hold further ahead
	// than any Retry-After is honoured was not written by a tab: it is ignored.
	const held = (stored.holdUntil ?? 0) - Date.now();
	if (held > 0 && held <= MAX_RETRY_AFTER_MS) {
		const error = new TransientRefreshError('rate-limited', 'refresh held by Retry-After');
		error.retryAt = stored.holdUntil;
		throw error;
	}

	// DPoP: the key is the stored session's, which every tab and reload shares.
	const dpop = options.dpop && options.tokenEndpoint ? await (await control.dpop()).signer(stored) : undefined;
	if (signal.aborted) return;
	if (dpop === null) return control.endSession('dpop-key-missing');

	let tokens: TokenSet;
	try {
		tokens = await requestTokens(options, stored.refreshToken, control.alive, dpop);
	} catch (error) {
		if (error instanceof TransientRefreshError && error.retryAt !== undefined) await holdRefreshes(repository, stored, error.retryAt);
		if (!(error instanceof OAuthError) || signal.aborted) throw error;
		// Rule out that another tab rotated meanwhile (possible only if the lock failed).
		const now = await loadForRefresh(repository, control.session());
		if (signal.aborted) return;
		if (now && !isEnded(now) && !sameGeneration(now, stored)) control.adoptStored(now);
		else await control.endSession(error.error);
		return;
	}

	const next: StoredSession = {
		sid: stored.sid,
		n: stored.n + 1,
		refreshToken: tokens.refreshToken ?? stored.refreshToken,
		refreshExpiresAt: tokens.refreshExpiresAt ?? stored.refreshExpiresAt,
		dpopKey: dpop?.key ?? stored.dpopKey,
	};
	// Rotation: the new refresh token is stored before the new access token is handed out.
	const written = !signal.aborted && await writeSession(repository, next, stored);
	if (!written || signal.aborted) {
		control.warn('result-discarded', 'session ended during refresh');
		if (tokens.refreshToken !== undefined) void revokeRefreshToken(options, tokens.refreshToken, dpop);
		return;
	}

	exchange.shareTokens(control.takeTokens(next, next, tokens, 'refresh'), false);
}
