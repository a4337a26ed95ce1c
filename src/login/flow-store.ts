/**
 * Pending logins, one sessionStorage entry per flow, keyed by its `state`. sessionStorage
 * belongs to one tab, survives the round trip to the authorization server, and is gone when
 * the tab closes. Keying by `state` (instead of one slot per client) is what lets several
 * logins, in several tabs or one after another in the same tab, all complete: each callback
 * finds exactly its own flow.
 *
 * An entry holds only the flow's one-time values, never a token.
 */
import {LoginError} from '../errors/login-error.js';

/** What survives the redirect. */
export type Flow = {
	/** PKCE code verifier (RFC 7636), sent with the code exchange. */
	verifier: string;
	/** The `state` sent, also the entry's key. */
	state: string;
	/** The OpenID `nonce` sent, when the scope had `openid`. */
	nonce?: string;
	/** Where the app wants to go after the login: a path of this origin. */
	returnTo: string;
	/** `max_age` sent, when the app sent one: the ID token's `auth_time` is checked against it. */
	maxAge?: number;
	/** Epoch ms when the flow started. */
	createdAt: number;
};

/** A flow older than this is refused and removed: the user left the login page long ago. */
export const FLOW_LIFETIME_MS = 10 * 60 * 1000;

const PREFIX = 'token-baton:login:';

/** Keep `flow` until its callback; rejects with `storage_unavailable` when sessionStorage cannot be written. */
export function saveFlow(flow: Flow): void {
	try {
		storage().setItem(PREFIX + flow.state, JSON.stringify(flow));
	} catch (error) {
		throw new LoginError('storage_unavailable', 'sessionStorage cannot keep the login flow', {cause: error});
	}
}

/**
 * Remove the flow of `state` and return it when it is still valid. Synchronous on purpose:
 * two callbacks of one URL racing in the same tab cannot both get it, whatever they await next.
 */
export function takeFlow(state: string, now: number): {flow: Flow} | {problem: 'unknown' | 'expired'} {
	let text: string | null = null;
	try {
		const store = storage();
		text = store.getItem(PREFIX + state);
		store.removeItem(PREFIX + state);
	} catch {
		// No sessionStorage: no flow can have been kept.
	}

	const flow = text === null ? undefined : parseFlow(text);
	if (!flow || flow.state !== state) return {problem: 'unknown'};
	if (isExpired(flow, now)) return {problem: 'expired'};
	return {flow};
}

/** Remove this tab's expired or unreadable flows, so abandoned logins do not pile up. */
export function sweepFlows(now: number): void {
	try {
		const store = storage();
		const keys: string[] = [];
		for (let i = 0; i < store.length; i++) {
			const key = store.key(i);
			if (key?.startsWith(PREFIX)) keys.push(key);
		}

		for (const key of keys) {
			const flow = parseFlow(store.getItem(key) ?? '');
			if (!flow || isExpired(flow, now)) store.removeItem(key);
		}
	} catch {
		// Nothing to sweep without sessionStorage.
	}
}

function isExpired(flow: Flow, now: number): boolean {
	// A creation time in the future means the clock was turned back: treat it as expired too.
	return now - flow.createdAt > FLOW_LIFETIME_MS || flow.createdAt > now + 60_000;
}

function parseFlow(text: string): Flow | undefined {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return undefined;
	}

	if (typeof value !== 'object' || value === null) return undefined;
	const f = value as Record<string, unknown>;
	const optional = (field: unknown, type: string) => field === undefined || typeof field === type;
	if (typeof f.verifier !== 'string' || typeof f.state !== 'string' || typeof f.returnTo !== 'string' || typeof f.createdAt !== 'number') return undefined;
	if (!optional(f.nonce, 'string') || !optional(f.maxAge, 'number')) return undefined;
	return value as Flow;
}

function storage(): Storage {
	// Read at each use: during SSR there is none, and a test may replace it.
	return globalThis.sessionStorage;
}
