import type {Session} from '../core/session.js';
import type {Backoff} from './backoff.js';

/** Never two scheduled refreshes of one tab closer than this, however short the tokens. */
export const MIN_REFRESH_INTERVAL_MS = 1000;
/**
 * A token with less life left than MIN_REFRESH_INTERVAL_MS cannot be refreshed before it
 * expires without a tight loop: its scheduled refresh waits this long instead (a caller
 * that needs a token refreshes at once, on demand).
 */
export const SHORT_TOKEN_RETRY_MS = 5000;
/**
 * Lifetimes are whole seconds counted from the server's `iat`, which it rounded down: a
 * token may die up to this much before its nominal expiry. It counts as expired by then.
 */
export const EXPIRY_MARGIN_MS = 1000;
/** Jitter is drawn up to this share of the leeway, so that tabs and clients do not refresh in step. */
const JITTER_SHARE = 0.1;

/**
 * When to refresh a token expiring at `expiresAt`: expiry minus the leeway minus up to 10%
 * of it as jitter (`random` in [0, 1)). The leeway is capped for short-lived tokens, so that
 * every token with more than MIN_REFRESH_INTERVAL_MS of trusted life is refreshed before it
 * expires, and no tab refreshes more often than that. Undefined when the expiry is unknown:
 * such a token is refreshed on a 401 only.
 */
export function refreshTime(expiresAt: number | undefined, now: number, leewayMs: number, random: number): number | undefined {
	if (expiresAt === undefined) return undefined;
	const left = expiresAt - EXPIRY_MARGIN_MS - now;
	if (left <= MIN_REFRESH_INTERVAL_MS) return now + SHORT_TOKEN_RETRY_MS;
	// At least the margin (the refresh comes before the token may die), and capped so that a
	// short-lived token is still used for about half of its trusted life.
	const leeway = Math.min(Math.max(leewayMs, EXPIRY_MARGIN_MS), EXPIRY_MARGIN_MS + left / 2);
	return Math.max(expiresAt - leeway - random * leeway * JITTER_SHARE, now + MIN_REFRESH_INTERVAL_MS);
}

/** The access token can no longer be trusted: within EXPIRY_MARGIN_MS of its expiry, or past it. */
export function isExpired(session: Session, now: number): boolean {
	return session.expiresAt !== undefined && now >= session.expiresAt - EXPIRY_MARGIN_MS;
}

/** A token this tab may hand out: present, not refused by an API, not `rejectedToken`, not expired. */
export function isUsable(session: Session, now: number, rejectedToken?: string): boolean {
	return session.accessToken !== undefined && !session.rejected && session.accessToken !== rejectedToken && !isExpired(session, now);
}

/** A usable token that is not yet due for refresh: handed out without asking anyone. */
export function isFresh(session: Session, now: number, rejectedToken?: string): boolean {
	return isUsable(session, now, rejectedToken) && !(session.refreshAt !== undefined && now >= session.refreshAt);
}

/** What `getAccessToken` does now: hand out a token, fail with the pending backoff's error, or refresh. */
export type CallerDecision = {token: string} | {error: Error} | 'refresh';

/**
 * A fresh token is handed out. While a failed refresh waits for its retry, callers get the
 * still-usable token or the failure, instead of a request each (no storm against a failing
 * server); a refresh already running is joined instead.
 */
export function decideForCaller(session: Session, backoff: Backoff | undefined, refreshing: boolean, now: number, rejectedToken?: string): CallerDecision {
	if (isFresh(session, now, rejectedToken)) return {token: session.accessToken!};
	if (backoff?.holdsCallers && now < backoff.retryAt && !refreshing) {
		return isUsable(session, now, rejectedToken) ? {token: session.accessToken!} : {error: backoff.error};
	}

	return 'refresh';
}

/** What the clock asks for now, and when to look again. */
export type Step = {
	/** End the session, for this reason. */
	end?: 'refresh-token-expired' | 'expired';
	/** Emit the `refresh-token-expiring` warning. */
	warn?: boolean;
	/** Refresh now. */
	refresh?: boolean;
	/** Look at the clock again then (epoch ms). */
	wakeAt?: number;
};

/**
 * The scheduler's rule: end a session whose refresh token expired (or whose last access
 * token ran out with no refresh token), warn `warnMs` before the refresh token expires,
 * refresh when due (the backoff's retry time overrides the plan), and otherwise sleep until
 * the next of these deadlines. `refreshing`: a refresh runs already; it looks again when done.
 */
export function nextStep(session: Session, backoff: Backoff | undefined, refreshing: boolean, now: number, warnMs: number): Step {
	const {refreshExpiresAt, refreshToken} = session;
	if (refreshExpiresAt !== undefined && now >= refreshExpiresAt) return {end: 'refresh-token-expired'};
	const warnAt = refreshExpiresAt === undefined || session.warned ? undefined : refreshExpiresAt - warnMs;
	const warn = warnAt !== undefined && now >= warnAt;
	const step: Step = warn ? {warn} : {};
	// Without a refresh token, the session lasts as long as its access token.
	if (refreshToken === undefined && (session.rejected || isExpired(session, now))) return {end: 'expired'};
	if (refreshing) return step;
	const refreshAt = backoff?.retryAt ?? (session.accessToken === undefined || session.rejected ? now : session.refreshAt);
	if (refreshToken !== undefined && refreshAt !== undefined && now >= refreshAt) return {...step, refresh: true};

	const deadlines = [refreshAt, refreshToken === undefined ? session.expiresAt : undefined, warn ? undefined : warnAt, refreshExpiresAt]
		// Infinity: a failure that waits for a caller, not for the clock.
		.filter((at): at is number => at !== undefined && at > now && at !== Infinity);
	return deadlines.length > 0 ? {...step, wakeAt: Math.min(...deadlines)} : step;
}

/** Back online: retry at once, unless the server asked to wait longer (Retry-After). */
export function retryNow(backoff: Backoff, now: number): Backoff {
	return {...backoff, retryAt: Math.max(now, backoff.notBefore)};
}
