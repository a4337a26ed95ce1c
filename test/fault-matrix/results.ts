/**
 * What each matrix case observed, how it is judged, and the JSON the matrix tests leave in
 * test-results/reliability/ for `npm run reliability` (test/fault-matrix/reliability.mjs).
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {expect} from 'vitest';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describeExpected, forcedReusesOf, MATRIX, rowsOf, seeAlsoOf, type Expected, type Layer, type MatrixRow} from './matrix.js';

/** One tab's session at the end of a case. */
export type TabOutcome =
	| {tab: string; session: 'kept'}
	| {tab: string; session: 'ended'; reason: string}
	/** Signed in, but no usable token or API call: neither kept nor ended. */
	| {tab: string; session: 'stuck'; detail: string};

export type Observed = {
	session: 'kept' | 'ended' | 'split';
	/** The distinct reasons of the tabs that ended, sorted. */
	reasons: string[];
	tabs: TabOutcome[];
};

/**
 * kept / rightly-ended: as the row expects. wrongful-logout: a tab signed out although the
 * session had to be kept. wrong-reason: ended, but not for the expected reason. not-ended: a
 * session that had to end was kept. stuck: signed in, but unusable.
 */
export type Verdict = 'kept' | 'rightly-ended' | 'wrongful-logout' | 'wrong-reason' | 'not-ended' | 'stuck';

export type CaseResult = {
	order: number;
	id: string;
	layer: Layer;
	area: string;
	name: string;
	fault: string;
	expected: string;
	seeAlso: string | null;
	status: 'passed' | 'failed' | 'not-run';
	observed: string | null;
	/** Per tab, with details. */
	tabs: string[];
	verdict: Verdict | null;
	/** Fault events actually injected (responses served, messages dropped, clock moves…). */
	faults: number;
	/** Consumed refresh tokens presented again, as the server recorded them (grace window included). */
	reuses: number;
	forcedReuses: number;
	/** Reuses beyond the ones the fault forces: duplicate refreshes, client bugs. */
	duplicates: number;
	/** `place: token kind` for every token found where none may be. */
	leaks: string[];
	/** Uncaught errors and unhandled rejections. */
	uncaught: string[];
	/** The first failed assertion, when the case failed. */
	failure: string | null;
	durationMs: number;
};

export function observedOf(tabs: TabOutcome[]): Observed {
	const reasons = [...new Set(tabs.flatMap((tab) => (tab.session === 'ended' ? [tab.reason] : [])))].sort();
	const session = tabs.length > 0 && tabs.every((tab) => tab.session === 'kept') ? 'kept'
		: tabs.length > 0 && tabs.every((tab) => tab.session === 'ended') ? 'ended'
			: 'split';
	return {session, reasons, tabs};
}

/** The outcome in a few stable words (no tab names, times or tokens): what RELIABILITY.md shows. */
export function describeObserved(observed: Observed): string {
	if (observed.session === 'kept') return 'kept';
	if (observed.session === 'ended') return `ended: ${observed.reasons.join(', ')}`;
	if (observed.tabs.length === 0) return 'no tab left to observe';
	const counts = new Map<string, number>();
	for (const tab of observed.tabs) {
		const label = tab.session === 'ended' ? `ended: ${tab.reason}` : tab.session;
		counts.set(label, (counts.get(label) ?? 0) + 1);
	}

	return `split: ${[...counts].sort().map(([label, count]) => `${count} ${label}`).join(', ')}`;
}

/** Each tab's outcome with its details, for the JSON (debugging), not for the document. */
export function describeTabs(observed: Observed): string[] {
	return observed.tabs.map((tab) => `${tab.tab}: ${tab.session === 'ended' ? `ended: ${tab.reason}` : tab.session === 'stuck' ? `stuck (${tab.detail})` : 'kept'}`);
}

export function verdictOf(expected: Expected, observed: Observed): Verdict {
	const anyEnded = observed.tabs.some((tab) => tab.session === 'ended');
	if (expected.session === 'kept') {
		if (observed.session === 'kept') return 'kept';
		return anyEnded ? 'wrongful-logout' : 'stuck';
	}

	if (observed.session !== 'ended') return anyEnded ? 'wrong-reason' : 'not-ended';
	return observed.reasons.length === 1 && observed.reasons[0] === expected.reason ? 'rightly-ended' : 'wrong-reason';
}

export type CaseInput = {
	observed: Observed;
	/** Presentations of consumed refresh tokens the server recorded. */
	reuses: number;
	faults: number;
	leaks: string[];
	uncaught: string[];
	/** What the scenario threw, if it did. */
	failure: unknown;
	startedAt: number;
};

/**
 * Judge a case by the rules every row shares, record it, then fail the test if it must:
 * the scenario's own failure first, then the shared checks. The recorded `failure` names the
 * shared check that failed before the scenario's (verdict, duplicates, leaks, uncaught), so
 * that RELIABILITY.md says what matters most.
 */
export function finishCase(book: ResultBook, row: MatrixRow, input: CaseInput): void {
	const {observed, reuses, faults, leaks, uncaught, failure} = input;
	const forcedReuses = forcedReusesOf(row);
	const verdict = verdictOf(row.expected, observed);
	const problems = [
		...(verdict === 'kept' || verdict === 'rightly-ended' ? [] : [`${verdict} (${describeObserved(observed)})`]),
		...(reuses > forcedReuses ? [`${reuses - forcedReuses} duplicate refresh(es): a consumed refresh token presented again`] : []),
		...(reuses < forcedReuses ? [`the fault did not force the ${forcedReuses} expected presentation(s) of the consumed refresh token (${reuses})`] : []),
		...(leaks.length > 0 ? [`${leaks.length} leak(s): ${leaks.join('; ')}`] : []),
		...(uncaught.length > 0 ? [`${uncaught.length} uncaught error(s)`] : []),
		...(faults === 0 ? ['no fault was injected'] : []),
		...(failure === undefined ? [] : [`scenario: ${failure instanceof Error ? failure.message.split('\n')[0]! : String(failure)}`]),
	];
	book.record(row, {
		status: problems.length === 0 ? 'passed' : 'failed',
		observed: describeObserved(observed),
		tabs: describeTabs(observed),
		verdict,
		faults,
		reuses,
		forcedReuses,
		duplicates: Math.max(0, reuses - forcedReuses),
		leaks,
		uncaught,
		failure: problems[0] ?? null,
		durationMs: Math.round(performance.now() - input.startedAt),
	});
	if (failure !== undefined) throw failure;
	expect(describeObserved(observed), 'session').toBe(describeExpected(row.expected));
	expect(reuses, 'consumed refresh tokens presented again').toBe(forcedReuses);
	expect(leaks, 'tokens found where none may be').toEqual([]);
	expect(uncaught, 'uncaught errors').toEqual([]);
	expect(faults, 'faults injected').toBeGreaterThan(0);
}

/** Where each secret appears in `surfaces` (place → text): `place: label`. Tokens must stand alone, not inside a longer token. */
export function findSecrets(surfaces: Record<string, string>, secrets: ReadonlyMap<string, string>, exempt: (place: string, token: string) => boolean = () => false): string[] {
	const found: string[] = [];
	for (const [token, label] of secrets) {
		const pattern = new RegExp(`(?<![\\w-])${escapeRegExp(token)}(?![\\w])`);
		for (const [place, text] of Object.entries(surfaces)) {
			if (!exempt(place, token) && pattern.test(text)) found.push(`${place}: ${label}`);
		}
	}

	return found.sort();
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The outcome of every row of one layer; written as JSON when the file's tests are done. */
export class ResultBook {
	readonly #results = new Map<string, CaseResult>();

	/** `file`: the JSON's name without `.json` (the browser layer writes one per engine: e2e-firefox). */
	constructor(readonly layer: Layer, readonly file: string = layer) {}

	record(row: MatrixRow, fields: Omit<CaseResult, 'order' | 'id' | 'layer' | 'area' | 'name' | 'fault' | 'expected' | 'seeAlso'>): CaseResult {
		const result: CaseResult = {...base(row), ...fields};
		this.#results.set(row.id, result);
		return result;
	}

	/** Writes test-results/reliability/<file>.json: every row of the layer, `not-run` for those without a result. */
	write(environment: Record<string, string>): void {
		const cases = rowsOf(this.layer).map((row) => this.#results.get(row.id) ?? {
			...base(row), status: 'not-run' as const, observed: null, tabs: [], verdict: null, faults: 0, reuses: 0, forcedReuses: forcedReusesOf(row),
			duplicates: 0, leaks: [], uncaught: [], failure: null, durationMs: 0,
		});
		const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results', 'reliability');
		mkdirSync(dir, {recursive: true});
		writeFileSync(join(dir, `${this.file}.json`), `${JSON.stringify({layer: this.layer, environment, cases}, null, '\t')}\n`);
	}
}

function base(row: MatrixRow): Pick<CaseResult, 'order' | 'id' | 'layer' | 'area' | 'name' | 'fault' | 'expected' | 'seeAlso'> {
	return {
		order: MATRIX_ORDER.get(row.id)!,
		id: row.id,
		layer: row.layer,
		area: row.area,
		name: row.name,
		fault: row.fault,
		expected: describeExpected(row.expected),
		seeAlso: seeAlsoOf(row),
	};
}

const MATRIX_ORDER = new Map<string, number>(MATRIX.map((row, index) => [row.id, index]));
