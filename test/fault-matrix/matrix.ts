/**
 * The fault matrix of issue 7: one row per case. The rows drive the tests
 * (test/unit/fault-matrix.test.ts and test/e2e/fault-matrix.test.ts give each row of their
 * layer a scenario, checked for completeness by the type checker), the results they write
 * (test-results/reliability/*.json) and RELIABILITY.md (`npm run reliability`), whose case
 * list test/unit/reliability-doc.test.ts compares with this table.
 *
 * Plain data only: imported by both vitest projects.
 */

export type Layer = 'unit' | 'e2e';

export const AREAS = ['Token endpoint', 'Tabs', 'Time', 'Storage', 'Hostile input', 'Lock', 'Security', 'Endurance'] as const;
export type Area = (typeof AREAS)[number];

/**
 * What must happen to the session: kept (every tab still signed in and able to call the API),
 * or ended in every tab for `reason`: the `signed-out` reason, or for a session that cannot
 * even be restored at start-up, the code of the `warning` that says why.
 */
export type Expected = {readonly session: 'kept'} | {readonly session: 'ended'; readonly reason: string};

export type CaseRow = {
	/** Stable key: the scenario tables and the results are keyed by it. */
	readonly id: string;
	readonly layer: Layer;
	readonly area: Area;
	/** The test's name and the case's line in RELIABILITY.md. */
	readonly name: string;
	/** What is injected, in words. */
	readonly fault: string;
	readonly expected: Expected;
	/**
	 * Presentations of an already consumed refresh token that the fault itself forces: a
	 * response lost after the server rotated can only be retried with the token it consumed.
	 * Any other presentation of a consumed token is a duplicate refresh, a client bug.
	 */
	readonly forcedReuses?: number;
	/** Existing tests that assert the details of this behaviour. */
	readonly seeAlso?: string;
};

const kept = {session: 'kept'} as const;
const ended = <R extends string>(reason: R) => ({session: 'ended', reason}) as const;

export const MATRIX = [
	// Token endpoint: unit (msw), two tabs, the proactive refresh meets the fault.
	{
		id: 'endpoint-timeout', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint never answers, twice: the requests time out and the session is kept',
		fault: '2 refresh requests left unanswered (requestTimeoutSeconds 5)', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (a request that never answers times out)',
	},
	{
		id: 'endpoint-500', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers HTTP 500 three times: retried with backoff, session kept',
		fault: '3 × HTTP 500', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (transient refresh errors keep the session)',
	},
	{
		id: 'endpoint-502', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers HTTP 502 with an HTML page three times: session kept',
		fault: '3 × HTTP 502, HTML body', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (transient refresh errors keep the session)',
	},
	{
		id: 'endpoint-503', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers HTTP 503 three times: session kept',
		fault: '3 × HTTP 503', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (transient refresh errors keep the session)',
	},
	{
		id: 'endpoint-429', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers 429 with Retry-After: 120: no attempt before it in any tab, session kept',
		fault: 'HTTP 429 with the time left of a 120 s Retry-After window, to every request inside it (two tabs; only the first asks)', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (no attempt before Retry-After has passed)',
	},
	{
		id: 'endpoint-503-rejected-token', layer: 'unit', area: 'Token endpoint',
		name: 'HTTP 503 while replacing a token the API rejected: the retry on online replaces it, the rejected token is not handed out again',
		fault: '1 × HTTP 503 on the refresh after a 401, then the online event', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (coming back online retries at once)',
	},
	{
		id: 'endpoint-connection-dropped', layer: 'unit', area: 'Token endpoint',
		name: 'connection dropped before the server handled the refresh, three times: session kept',
		fault: '3 × network error, nothing rotated', expected: kept,
	},
	{
		id: 'endpoint-lost-after-rotation-grace', layer: 'e2e', area: 'Token endpoint',
		name: 'response lost after the server rotated, server with a 10 s reuse grace window: the retry succeeds, session kept',
		fault: '1 response dropped mid-body after the server rotated; reuseGraceMs 10 000', expected: kept, forcedReuses: 1,
	},
	{
		id: 'endpoint-lost-after-rotation-strict', layer: 'e2e', area: 'Token endpoint',
		name: 'response lost after the server rotated, strict server: the retry is refused and every tab signs out with invalid_grant',
		fault: '1 response dropped mid-body after the server rotated; no grace window', expected: ended('invalid_grant'), forcedReuses: 1,
	},
	{
		id: 'endpoint-html-200', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers an HTML page with status 200: nothing stored changes, session kept',
		fault: '1 × HTML with status 200 (a captive portal)', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (malformed token responses change nothing stored)',
	},
	{
		id: 'endpoint-truncated-json', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers truncated JSON: nothing stored changes, session kept',
		fault: '1 × truncated JSON body', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (malformed token responses change nothing stored)',
	},
	{
		id: 'endpoint-mistyped-fields', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers mistyped fields: nothing stored changes, session kept',
		fault: '1 × access_token a number, refresh_token an object', expected: kept,
		seeAlso: 'test/unit/token-response.test.ts (rejects … with InvalidResponseError)',
	},
	{
		id: 'endpoint-proto-keys', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers `__proto__` keys: no prototype pollution, nothing stored changes, session kept',
		fault: '1 × JSON whose only tokens sit under `__proto__`', expected: kept,
		seeAlso: 'test/unit/token-response.test.ts (a `__proto__` key in the JSON neither pollutes nor supplies fields)',
	},
	{
		id: 'endpoint-2mb-body', layer: 'unit', area: 'Token endpoint',
		name: 'token endpoint answers a 2 MB body: refused unparsed, session kept',
		fault: '1 × 2 MB JSON body', expected: kept,
		seeAlso: 'test/unit/refresh-errors.test.ts (malformed token responses change nothing stored)',
	},

	// Tabs: real Chromium.
	{
		id: 'tabs-holder-closed-before-server', layer: 'e2e', area: 'Tabs',
		name: 'lock holder closed while its refresh request had not reached the server: the next tab refreshes, session kept',
		fault: '1 tab closed holding the lock, its request held at the proxy', expected: kept,
	},
	{
		id: 'tabs-holder-closed-after-rotation', layer: 'e2e', area: 'Tabs',
		name: 'lock holder closed after the strict server rotated: its response is lost, every tab signs out with invalid_grant',
		fault: '1 tab closed holding the lock while the server answers; no grace window', expected: ended('invalid_grant'), forcedReuses: 1,
		seeAlso: 'test/e2e/cross-tab.test.ts (a tab closed while its refresh is in flight: with a grace window, session kept)',
	},
	{
		id: 'tabs-frozen-misses-rotations', layer: 'e2e', area: 'Tabs',
		name: 'frozen tab misses two rotations, then resumes: it refreshes with the newest refresh token, session kept',
		fault: 'the tab drops every channel message while frozen (2 missed), then resume + visibilitychange', expected: kept,
	},
	{
		id: 'tabs-frozen-misses-logout', layer: 'e2e', area: 'Tabs',
		name: 'frozen tab misses a logout, then resumes: it signs out with logout from the stored note',
		fault: 'the tab drops every channel message while frozen (the sign-out missed), then resume + visibilitychange', expected: ended('logout'),
		seeAlso: 'test/unit/tabs.test.ts (a tab that missed messages)',
	},
	{
		id: 'tabs-16', layer: 'e2e', area: 'Tabs',
		name: '16 tabs call the API on an expired token at once: one refresh, every tab adopts it, session kept',
		fault: '16 tabs × 2 token calls + 2 API calls racing for one refresh', expected: kept,
		seeAlso: 'test/e2e/cross-tab.test.ts (4 tabs x 10 concurrent calls)',
	},
	{
		id: 'tabs-open-close-during-refresh', layer: 'e2e', area: 'Tabs',
		name: 'tabs opened and closed while a refresh is in flight: no second refresh, every open tab ends with the new token',
		fault: '1 tab closed and 2 tabs opened during a 6 s refresh', expected: kept,
	},
	{
		id: 'tabs-bfcache-new-login', layer: 'e2e', area: 'Tabs',
		name: 'back/forward cache restore after a logout and a new login elsewhere: the restored tab joins the new session',
		fault: 'the tab drops every channel message while in the cache, then pageshow with persisted: true', expected: kept,
		seeAlso: 'test/unit/tabs.test.ts (a tab that missed messages)',
	},

	// Time.
	{
		id: 'time-sleep-wake', layer: 'e2e', area: 'Time',
		name: 'laptop sleeps 2 h and wakes: one refresh on wake, both tabs adopt it, session kept',
		fault: 'page clock moved 2 h with no timer firing (Playwright clock), then visibilitychange and focus', expected: kept,
		seeAlso: 'test/unit/schedule.test.ts (wake-up after sleep or throttling)',
	},
	{
		id: 'time-clock-forward', layer: 'e2e', area: 'Time',
		name: 'clock jumps 1 h forward with no wake-up event: the next calls share one refresh, session kept',
		fault: 'page clock set 1 h ahead', expected: kept,
	},
	{
		id: 'time-clock-back', layer: 'e2e', area: 'Time',
		name: 'clock jumps 1 h back: the token dies at the server first, the 401 is retried after one refresh, session kept',
		fault: 'page clock set 1 h back', expected: kept,
	},
	{
		id: 'time-server-clock-ahead', layer: 'unit', area: 'Time',
		name: 'server clock 1 h ahead (JWT exp and iat, no expires_in): refreshed on time, session kept',
		fault: 'token issued with iat/exp 1 h in the future', expected: kept,
		seeAlso: 'test/unit/token-response.test.ts (JWT exp moved onto the local clock by iat)',
	},
	{
		id: 'time-server-clock-behind', layer: 'unit', area: 'Time',
		name: 'server clock 1 h behind (JWT exp and iat, no expires_in): refreshed on time, session kept',
		fault: 'token issued with iat/exp 1 h in the past', expected: kept,
		seeAlso: 'test/unit/token-response.test.ts (a server clock one hour behind)',
	},
	{
		id: 'time-expired-on-arrival', layer: 'unit', area: 'Time',
		name: 'access token already expired on arrival: never handed out, refreshed first, session kept',
		fault: 'login whose JWT exp is a minute in the past (no expires_in)', expected: kept,
	},
	{
		id: 'time-expires-in-zero', layer: 'unit', area: 'Time',
		name: 'expires_in: 0 on every token response, two tabs: no refresh loop, session kept',
		fault: 'every response says expires_in: 0', expected: kept,
		seeAlso: 'test/unit/schedule.test.ts (a token expired on arrival (expires_in: 0))',
	},

	// Storage.
	{
		id: 'storage-no-indexeddb', layer: 'unit', area: 'Storage',
		name: 'no IndexedDB, one tab: the session lives in memory with a warning and keeps refreshing',
		fault: 'indexedDB undefined', expected: kept,
		seeAlso: 'test/unit/storage.test.ts (no IndexedDB)',
	},
	{
		id: 'storage-no-indexeddb-tabs', layer: 'e2e', area: 'Storage',
		name: 'no IndexedDB in 3 tabs: 5 refreshes raced by all tabs, no refresh token presented twice, session kept',
		fault: 'indexedDB undefined in every tab; 5 rounds of 3 tabs reporting the same rejected token', expected: kept,
	},
	{
		id: 'storage-quota-one-tab', layer: 'e2e', area: 'Storage',
		name: 'writes throw QuotaExceededError during a refresh, one tab: kept in memory with a warning',
		fault: 'IDBObjectStore.put throws QuotaExceededError', expected: kept,
		seeAlso: 'test/unit/storage.test.ts (a write that fails (quota))',
	},
	{
		id: 'storage-quota-two-tabs', layer: 'e2e', area: 'Storage',
		name: 'writes throw QuotaExceededError during a refresh, two tabs: the other tab refreshes next, session kept',
		fault: 'IDBObjectStore.put throws QuotaExceededError in both tabs', expected: kept,
	},
	{
		id: 'storage-corrupt-record', layer: 'unit', area: 'Storage',
		name: 'corrupt stored record at start-up: discarded with a warning, ready resolves signed out',
		fault: 'a string stored in place of the record', expected: ended('storage-discarded'),
		seeAlso: 'test/unit/storage.test.ts (a corrupt record … is discarded)',
	},
	{
		id: 'storage-foreign-record', layer: 'unit', area: 'Storage',
		name: 'record of another manager name at start-up: discarded with a warning, ready resolves signed out',
		fault: 'record and key copied from the manager named "other"', expected: ended('storage-discarded'),
		seeAlso: 'test/unit/storage.test.ts (a record copied from another manager is foreign)',
	},
	{
		id: 'storage-key-deleted', layer: 'unit', area: 'Storage',
		name: 'encryption key deleted while signed in: the record is discarded and every tab signs out with session-removed',
		fault: 'the CryptoKey entry deleted from IndexedDB', expected: ended('session-removed'),
		seeAlso: 'test/unit/storage.test.ts (a record whose key was deleted is undecryptable)',
	},
	{
		id: 'storage-database-deleted', layer: 'e2e', area: 'Storage',
		name: 'database deleted from another tab: not blocked, and every tab signs out with session-removed, no refresh sent',
		fault: 'indexedDB.deleteDatabase from a third tab', expected: ended('session-removed'),
		seeAlso: 'test/unit/storage.test.ts (the database deleted from another tab)',
	},
	{
		id: 'storage-two-names', layer: 'unit', area: 'Storage',
		name: 'two managers with different names, two tabs: a refresh and a logout in one leave the other alone',
		fault: 'managers "a" and "b" side by side; "a" refreshes, then logs out', expected: kept,
		seeAlso: 'test/e2e/cross-tab.test.ts (two managers with different names on one page)',
	},

	// Hostile input.
	{
		id: 'hostile-malformed-messages', layer: 'unit', area: 'Hostile input',
		name: 'malformed channel messages: ignored, nothing thrown, session kept',
		fault: '14 malformed messages on the channel', expected: kept,
		seeAlso: 'test/e2e/cross-tab.test.ts (hostile messages on the channel)',
	},
	{
		id: 'hostile-oversized-messages', layer: 'unit', area: 'Hostile input',
		name: 'oversized channel messages: ignored, nothing thrown, session kept',
		fault: '5 oversized messages (up to 8 MB)', expected: kept,
		seeAlso: 'test/e2e/cross-tab.test.ts (hostile messages on the channel)',
	},
	{
		id: 'hostile-forged-messages', layer: 'unit', area: 'Hostile input',
		name: 'forged channel messages, a replayed old rotation among them: ignored, session kept',
		fault: '5 forged messages: another session, an unasked answer, a replayed older rotation, an older expiry, a prototype key', expected: kept,
		seeAlso: 'test/e2e/cross-tab.test.ts (hostile messages on the channel)',
	},
	{
		id: 'hostile-bad-options', layer: 'unit', area: 'Hostile input',
		name: 'bad options: InvalidOptionError at construction, nothing opened, the running session untouched',
		fault: '10 invalid option sets', expected: kept,
		seeAlso: 'test/unit/options.test.ts',
	},

	// Lock.
	{
		id: 'lock-never-granted', layer: 'unit', area: 'Lock',
		name: 'refresh lock never granted, two tabs: LockTimeoutError in bounded time, one refresh once it frees, session kept',
		fault: 'the lock held by another party until released', expected: kept,
		seeAlso: 'test/unit/tabs.test.ts and test/e2e/cross-tab.test.ts (a lock that is never granted)',
	},

	// Security: real Chromium.
	{
		id: 'security-lifecycle-leak-scan', layer: 'e2e', area: 'Security',
		name: 'a lifecycle with failures leaves no token in web storage, cookies, URLs, the console or error messages',
		fault: 'HTTP 503, an HTML 200, a lock timeout and a 401 along a session of 3 tabs', expected: kept,
	},
	{
		id: 'security-foreign-origin', layer: 'e2e', area: 'Security',
		name: 'the bearer token never reaches a foreign origin, through auth.fetch and token-baton/ky',
		fault: 'requests to another port and to another host name of the same server', expected: kept,
		seeAlso: 'test/unit/fetch.test.ts and test/unit/ky.test.ts (which requests get the bearer token)',
	},
	{
		id: 'security-redirect-to-foreign', layer: 'e2e', area: 'Security',
		name: 'a same-origin request redirected to a foreign origin arrives there without the bearer token, through auth.fetch and token-baton/ky',
		fault: 'HTTP 302 from the page origin to another origin', expected: kept,
	},
	{
		id: 'security-logout-clears-storage', layer: 'e2e', area: 'Security',
		name: 'logout leaves IndexedDB with no token: only the ended-session note (sid and reason)',
		fault: 'logout in one of 2 tabs after a rotation', expected: ended('logout'),
		seeAlso: 'test/unit/logout.test.ts',
	},
	{
		id: 'security-encryption-at-rest', layer: 'e2e', area: 'Security',
		name: 'encryption at rest: neither the stored record nor the profile on disk contains the refresh token',
		fault: 'the raw IndexedDB values and every file of a persistent Chromium profile searched', expected: kept,
		seeAlso: 'test/unit/storage.test.ts (the refresh token is encrypted at rest)',
	},

	// Endurance.
	{
		id: 'endurance-1000-cycles', layer: 'e2e', area: 'Endurance',
		name: '1,000 proactive refresh cycles across 3 tabs: exactly one refresh per cycle, no reuse, no logout',
		fault: '1,000 × all 3 tabs due at once (Playwright clock fast-forward)', expected: kept,
		seeAlso: 'test/e2e/cross-tab.test.ts (proactive refresh, 3 tabs over 3 cycles)',
	},
] as const satisfies readonly CaseRow[];

export type MatrixRow = (typeof MATRIX)[number];
export type CaseId<L extends Layer = Layer> = Extract<MatrixRow, {layer: L}>['id'];

/** The rows of one layer, in table order. */
export function rowsOf<L extends Layer>(layer: L): Array<Extract<MatrixRow, {layer: L}>> {
	return MATRIX.filter((row): row is Extract<MatrixRow, {layer: L}> => row.layer === layer);
}

/** Presentations of a consumed refresh token the row's fault forces (0 for most). */
export function forcedReusesOf(row: CaseRow): number {
	return row.forcedReuses ?? 0;
}

/** Existing tests that go into the details, or null. */
export function seeAlsoOf(row: CaseRow): string | null {
	return row.seeAlso ?? null;
}

/** How RELIABILITY.md writes an expected or observed outcome. */
export function describeExpected(expected: Expected): string {
	return expected.session === 'kept' ? 'kept' : `ended: ${expected.reason}`;
}
