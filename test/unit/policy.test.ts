/**
 * The decisions of the core as tables: pure functions of the session, the backoff, the time
 * and the options. No timers, no storage, no browser.
 */
import {describe, expect, test} from 'vitest';
import {signedIn, storedAdopted, tokenRejected, tokensTaken, warned, type Session} from '../../src/core/session.js';
import {LockTimeoutError, OAuthError, TransientRefreshError} from '../../src/index.js';
import {RefreshFailedError} from '../../src/errors/refresh-failed-error.js';
import {adoptsShared} from '../../src/policy/adopt-shared.js';
import {backoffDelay, nextBackoff, type Backoff} from '../../src/policy/backoff.js';
import {readStored} from '../../src/policy/read-stored.js';
import {decideForCaller, isExpired, nextStep, refreshTime, retryNow, type Step} from '../../src/policy/schedule.js';

const NOW = 1_000_000_000;
const S = 1000;
const MIN = 60 * S;

/** A signed-in session at NOW: access token `at`, refresh token `rt`, generation s/0. */
function session(fields: Partial<Session> = {}): Session {
	return {...signedIn({sid: 's', n: 0}, {refreshToken: 'rt', refreshExpiresAt: undefined}, {accessToken: 'at', expiresAt: NOW + 60 * MIN, scope: undefined, idToken: undefined}, NOW + 59 * MIN), ...fields};
}

function backoff(fields: Partial<Backoff> = {}): Backoff {
	return {attempt: 1, retryAt: NOW + 5 * S, notBefore: NOW, error: new TransientRefreshError('server', 'x'), holdsCallers: true, ...fields};
}

describe('refreshTime: when a token is refreshed', () => {
	test.each<[string, number | undefined, number, number, number | undefined]>([
		// label, lifetime left (ms), leeway (ms), random, refresh at (ms from now)
		['expiry unknown: on demand only', undefined, 60 * S, 0.5, undefined],
		['an hour, leeway 60 s, half jitter: 60 s + 3 s early', 60 * MIN, 60 * S, 0.5, 60 * MIN - 63 * S],
		['an hour, no jitter', 60 * MIN, 60 * S, 0, 60 * MIN - 60 * S],
		['an hour, the largest jitter: 10% of the leeway more', 60 * MIN, 60 * S, 0.999_999, 60 * MIN - 66 * S + 0.006],
		['leeway 0 still refreshes before the last (untrusted) second', 60 * MIN, 0, 0, 60 * MIN - S],
		['4 s (node-oidc-provider in the demo): half of the 3 trusted seconds', 4 * S, 60 * S, 0, 1.5 * S],
		['2.5 s: no earlier than 1 s from now, still before the trusted expiry at 1.5 s', 2.5 * S, 60 * S, 0, S],
		['2 s: 1 s of trusted life is too short to refresh before it, 5 s later then', 2 * S, 60 * S, 0, 5 * S],
		['expired on arrival: 5 s later, no tight loop', 0, 60 * S, 0, 5 * S],
		['already past its expiry', -10 * S, 60 * S, 0, 5 * S],
	])('%s', (_label, left, leeway, random, expected) => {
		const at = refreshTime(left === undefined ? undefined : NOW + left, NOW, leeway, random);
		if (expected === undefined) expect(at).toBeUndefined();
		else expect(at! - NOW).toBeCloseTo(expected, 3);
	});

	test('every lifetime over 2 s is refreshed before its trusted expiry, and never sooner than 1 s apart', () => {
		for (let left = 2001; left <= 600_000; left += 997) {
			for (const random of [0, 0.5, 0.999]) {
				const at = refreshTime(NOW + left, NOW, 60 * S, random)!;
				expect(at, `${left} ms, random ${random}`).toBeLessThan(NOW + left - S);
				expect(at, `${left} ms, random ${random}`).toBeGreaterThanOrEqual(NOW + S);
			}
		}
	});
});

describe('isExpired: the last second of a token does not count', () => {
	test.each([
		['a minute left', 60 * S, false],
		['just over a second left', S + 1, false],
		['one second left', S, true],
		['past its expiry', -S, true],
	])('%s', (_label, left, expected) => {
		expect(isExpired(session({expiresAt: NOW + left}), NOW)).toBe(expected);
	});

	test('a token without expiry never expires by the clock', () => {
		expect(isExpired(session({expiresAt: undefined}), NOW + 1e12)).toBe(false);
	});
});

describe('decideForCaller: what getAccessToken does', () => {
	const failing = backoff({error: new TransientRefreshError('server', 'down')});
	test.each<[string, Session, Backoff | undefined, boolean, string | undefined, ReturnType<typeof decideForCaller>]>([
		['a fresh token is handed out', session(), undefined, false, undefined, {token: 'at'}],
		['due for refresh: refresh', session({refreshAt: NOW}), undefined, false, undefined, 'refresh'],
		['no access token yet: refresh', session({accessToken: undefined}), undefined, false, undefined, 'refresh'],
		['the token the caller was refused: refresh', session(), undefined, false, 'at', 'refresh'],
		['a token an API refused: refresh', session({rejected: true}), undefined, false, undefined, 'refresh'],
		['backoff pending, due but still usable: the token', session({refreshAt: NOW}), failing, false, undefined, {token: 'at'}],
		['backoff pending, expired: the failure, no request', session({expiresAt: NOW}), failing, false, undefined, {error: failing.error}],
		['backoff pending, refused token: the failure', session({rejected: true}), failing, false, undefined, {error: failing.error}],
		['backoff over: refresh', session({expiresAt: NOW}), backoff({retryAt: NOW}), false, undefined, 'refresh'],
		['backoff pending but a refresh runs: join it', session({expiresAt: NOW}), failing, true, undefined, 'refresh'],
		['a lock timeout holds nobody back', session({expiresAt: NOW}), backoff({holdsCallers: false}), false, undefined, 'refresh'],
	])('%s', (_label, s, pending, refreshing, rejected, expected) => {
		expect(decideForCaller(s, pending, refreshing, NOW, rejected)).toEqual(expected);
	});
});

describe('nextStep: what the clock asks for', () => {
	const WARN = 5 * MIN;
	test.each<[string, Session, Backoff | undefined, boolean, Step]>([
		['nothing due: sleep until the refresh time', session(), undefined, false, {wakeAt: NOW + 59 * MIN}],
		['refresh time reached: refresh', session({refreshAt: NOW}), undefined, false, {refresh: true}],
		['no access token: refresh now', session({accessToken: undefined, refreshAt: undefined}), undefined, false, {refresh: true}],
		['a refused token: refresh now', session({rejected: true}), undefined, false, {refresh: true}],
		['a refresh runs: nothing until it ends', session({refreshAt: NOW}), undefined, true, {}],
		['refresh token expired: end', session({refreshExpiresAt: NOW}), undefined, false, {end: 'refresh-token-expired'}],
		['refresh token expires within the warning time: warn, and wake at its expiry', session({refreshExpiresAt: NOW + WARN}), undefined, false, {warn: true, wakeAt: NOW + WARN}],
		['warned already: wake at the warning-free deadlines', session({refreshExpiresAt: NOW + WARN, warned: true}), undefined, false, {wakeAt: NOW + WARN}],
		['warning ahead: wake for it', session({refreshExpiresAt: NOW + 10 * MIN}), undefined, false, {wakeAt: NOW + 5 * MIN}],
		['no refresh token and expired: end', session({refreshToken: undefined, expiresAt: NOW}), undefined, false, {end: 'expired'}],
		['no refresh token and refused: end', session({refreshToken: undefined, rejected: true}), undefined, false, {end: 'expired'}],
		['no refresh token: wake at its expiry', session({refreshToken: undefined, refreshAt: undefined}), undefined, false, {wakeAt: NOW + 60 * MIN}],
		['a backoff moves the refresh to its retry time', session({refreshAt: NOW}), backoff(), false, {wakeAt: NOW + 5 * S}],
		['a backoff whose time came: refresh', session({refreshAt: NOW}), backoff({retryAt: NOW}), false, {refresh: true}],
		['a failure that waits for a caller: no timer at all', session({refreshAt: NOW}), backoff({retryAt: Infinity}), false, {}],
		['no expiry, no refresh time: nothing to wait for', session({expiresAt: undefined, refreshAt: undefined}), undefined, false, {}],
	])('%s', (_label, s, pending, refreshing, expected) => {
		expect(nextStep(s, pending, refreshing, NOW, WARN)).toEqual(expected);
	});
});

describe('nextBackoff and retryNow: retry timing after a failed refresh', () => {
	test.each([
		[1, 0, 500],
		[1, 0.999, 1998],
		[3, 0.5, 4000],
		[10, 0.999, 59_940],
		[30, 0.999, 59_940],
	])('attempt %i with random %f waits %i ms (500 ms floor, 60 s cap)', (attempt, random, expected) => {
		expect(backoffDelay(attempt, random)).toBeCloseTo(expected, 0);
	});

	test('attempts count up, and the delay grows with them', () => {
		const first = nextBackoff(undefined, new TransientRefreshError('network', 'x'), NOW, 0.5);
		const second = nextBackoff(first, new TransientRefreshError('network', 'x'), NOW, 0.5);
		expect([first.attempt, second.attempt]).toEqual([1, 2]);
		expect(first.retryAt - NOW).toBe(1000);
		expect(second.retryAt - NOW).toBe(2000);
		expect(first.holdsCallers).toBe(true);
	});

	test('a Retry-After later than the backoff is the retry time, and online does not retry before it', () => {
		const error = new TransientRefreshError('rate-limited', 'x', {status: 429});
		error.retryAt = NOW + 120 * S;
		const next = nextBackoff(undefined, error, NOW, 0);
		expect(next).toMatchObject({retryAt: NOW + 120 * S, notBefore: NOW + 120 * S});
		expect(retryNow(next, NOW + S).retryAt).toBe(NOW + 120 * S);
		expect(retryNow(next, NOW + 121 * S).retryAt).toBe(NOW + 121 * S);
	});

	test('back online, an ordinary failure retries at once', () => {
		expect(retryNow(nextBackoff(undefined, new TransientRefreshError('network', 'x'), NOW, 0.9), NOW + 10).retryAt).toBe(NOW + 10);
	});

	test('a lock timeout retries later but holds no caller back: nothing was sent', () => {
		expect(nextBackoff(undefined, new LockTimeoutError('lock', 10), NOW, 0)).toMatchObject({retryAt: NOW + 500, holdsCallers: false});
	});

	test('an unexpected failure is not retried on a timer', () => {
		expect(nextBackoff(undefined, new RefreshFailedError({cause: new TypeError('bug')}), NOW, 0)).toMatchObject({retryAt: Infinity, holdsCallers: false});
	});
});

describe('adoptsShared: whether another tab\'s tokens replace this tab\'s', () => {
	const tokens = (accessToken: string, expiresAt: number | undefined) => ({accessToken, expiresAt, refreshToken: undefined, refreshExpiresAt: undefined, scope: undefined, idToken: undefined});
	test.each<[string, Session | undefined, {sid: string; n: number}, ReturnType<typeof tokens>, boolean]>([
		['signed out: no', undefined, {sid: 's', n: 1}, tokens('at-2', NOW + MIN), false],
		['another login: no (that comes as a login)', session(), {sid: 'other', n: 1}, tokens('at-2', NOW + MIN), false],
		['an older rotation: no', session({gen: {sid: 's', n: 2}}), {sid: 's', n: 1}, tokens('at-2', NOW + 120 * MIN), false],
		['the same token: no', session(), {sid: 's', n: 0}, tokens('at', NOW + 120 * MIN), false],
		['a newer rotation: yes', session(), {sid: 's', n: 1}, tokens('at-2', NOW + MIN), true],
		['same rotation, lives longer: yes', session(), {sid: 's', n: 0}, tokens('at-b', NOW + 61 * MIN), true],
		['same rotation, expires sooner: no', session(), {sid: 's', n: 0}, tokens('at-b', NOW + 30 * MIN), false],
		['same rotation, no expiry against a known one: no', session(), {sid: 's', n: 0}, tokens('at-b', undefined), false],
		['same rotation, this tab\'s token was refused: yes', session({rejected: true}), {sid: 's', n: 0}, tokens('at-b', NOW + 30 * MIN), true],
		['same rotation, this tab has no token yet: yes', session({accessToken: undefined}), {sid: 's', n: 0}, tokens('at-b', NOW + 30 * MIN), true],
	])('%s', (_label, s, gen, shared, expected) => {
		expect(adoptsShared(s, gen, shared)).toBe(expected);
	});
});

describe('readStored: what a tab does with the stored session after a wake-up', () => {
	const stored = (sid: string, n: number) => ({sid, n, refreshToken: `rt-${n}`, refreshExpiresAt: undefined});
	test.each([
		['nothing stored: nothing (the clock decides)', undefined, undefined],
		['an ended session: sign out with its reason', {sid: 's', ended: 'invalid_grant'}, {signOut: 'invalid_grant'}],
		['another login: join it', stored('other', 0), {signIn: stored('other', 0)}],
		['a newer rotation: adopt its refresh token', stored('s', 3), {adopt: stored('s', 3)}],
		['the same rotation: nothing', stored('s', 0), undefined],
	])('%s', (_label, value, expected) => {
		expect(readStored(session(), value)).toEqual(expected);
	});
});

describe('session transitions return new values and leave the old ones as they were', () => {
	test('tokensTaken: new generation and tokens; scope and ID token kept when the response has none; not refused', () => {
		const before = Object.freeze(session({scope: 'api', idToken: 'id-1', rejected: true}));
		const after = tokensTaken(before, {sid: 's', n: 1}, {refreshToken: 'rt-2', refreshExpiresAt: undefined}, {accessToken: 'at-2', expiresAt: NOW + MIN, scope: undefined, idToken: undefined}, NOW + 30 * S);
		expect(after).toMatchObject({gen: {sid: 's', n: 1}, accessToken: 'at-2', refreshToken: 'rt-2', scope: 'api', idToken: 'id-1', rejected: false, refreshAt: NOW + 30 * S});
		expect(before).toMatchObject({accessToken: 'at', rejected: true});
	});

	test('tokensTaken: a new refresh-token expiry resets the warning; the same one keeps it', () => {
		const base = warned(session({refreshExpiresAt: NOW + MIN}));
		const access = {accessToken: 'at-2', expiresAt: NOW + MIN, scope: undefined, idToken: undefined};
		expect(tokensTaken(base, {sid: 's', n: 1}, {refreshToken: 'rt-2', refreshExpiresAt: NOW + MIN}, access, undefined).warned).toBe(true);
		expect(tokensTaken(base, {sid: 's', n: 1}, {refreshToken: 'rt-2', refreshExpiresAt: NOW + 99 * MIN}, access, undefined).warned).toBe(false);
	});

	test('tokenRejected keeps the real expiry (the rejection is a fact of its own)', () => {
		const before = Object.freeze(session());
		expect(tokenRejected(before)).toMatchObject({rejected: true, expiresAt: NOW + 60 * MIN});
		expect(before.rejected).toBe(false);
	});

	test('storedAdopted: a newer rotation keeps the access token; another login drops it', () => {
		const before = Object.freeze(session());
		expect(storedAdopted(before, {sid: 's', n: 2, refreshToken: 'rt-x', refreshExpiresAt: undefined})).toMatchObject({gen: {sid: 's', n: 2}, refreshToken: 'rt-x', accessToken: 'at'});
		expect(storedAdopted(before, {sid: 'other', n: 0, refreshToken: 'rt-y', refreshExpiresAt: undefined})).toMatchObject({gen: {sid: 'other', n: 0}, refreshToken: 'rt-y', accessToken: undefined, refreshAt: undefined});
	});

	test('signedIn copies only session fields from what it is given (a token set or a stored record carries more)', () => {
		const fromStorage = {sid: 's', n: 4, refreshToken: 'rt', refreshExpiresAt: undefined, holdUntil: 5};
		expect(Object.keys(signedIn(fromStorage, fromStorage, undefined, undefined)).sort()).toEqual(
			['accessToken', 'expiresAt', 'gen', 'idToken', 'refreshAt', 'refreshExpiresAt', 'refreshToken', 'rejected', 'scope', 'warned'],
		);
	});
});

test('errors keep their class across two copies of the package (instanceof by brand)', async () => {
	const {vi} = await import('vitest');
	vi.resetModules();
	const other = await import('../../src/index.js');
	expect(other.OAuthError).not.toBe(OAuthError);
	const foreign = new other.OAuthError('invalid_grant');
	expect(foreign).toBeInstanceOf(OAuthError);
	expect(foreign).toBeInstanceOf(other.TokenBatonError);
	expect(foreign).not.toBeInstanceOf(TransientRefreshError);
	expect(new OAuthError('x')).toBeInstanceOf(other.OAuthError);
	expect(new Error('plain')).not.toBeInstanceOf(other.TokenBatonError);
	const {LoginError} = await import('../../src/errors/login-error.js');
	expect(new LoginError('access_denied', 'x')).toBeInstanceOf(other.TokenBatonError);
	expect(new OAuthError('x')).not.toBeInstanceOf(LoginError);
	expect(new LoginError('access_denied', 'x')).not.toBeInstanceOf(OAuthError);
	expect(new OAuthError('x').name).toBe('OAuthError');
});
