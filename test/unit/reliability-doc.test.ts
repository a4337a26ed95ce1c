/**
 * RELIABILITY.md against the fault matrix (test/fault-matrix/matrix.ts): the document must
 * list exactly the table's cases, and its counts must add up from its rows. A case added,
 * renamed or re-expected in the table without `npm run reliability` fails here.
 */
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {AREAS, describeExpected, MATRIX, rowsOf} from '../fault-matrix/matrix.js';
import {describeObserved, findSecrets, observedOf, verdictOf} from '../fault-matrix/results.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readDoc();

function readDoc(): string {
	try {
		return readFileSync(join(root, 'RELIABILITY.md'), 'utf8');
	} catch {
		throw new Error('RELIABILITY.md is missing: run npm test, then npm run reliability');
	}
}

/** The cells of a markdown table row (pipes escaped as `\|` stay inside their cell). */
function cells(line: string): string[] {
	return line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

type DocRow = {name: string; id: string; layer: string; expected: string; outcome: string; faults: number; forced: number; duplicates: number; leaks: number; result: string};

function caseRows(): DocRow[] {
	const section = doc.slice(doc.indexOf('\n## Cases'));
	return section.split('\n')
		.filter((line) => line.startsWith('| ') && line.includes(' | `'))
		.map((line) => {
			const [name, id, layer, , expected, outcome, faults, forced, duplicates, leaks, result] = cells(line);
			return {
				name: name!, id: id!.replace(/`/g, ''), layer: layer!, expected: expected!, outcome: outcome!,
				faults: Number(faults), forced: Number(forced), duplicates: Number(duplicates), leaks: Number(leaks), result: result!,
			};
		});
}

function counts(): Record<string, number> {
	const section = doc.slice(doc.indexOf('\n## Counts'));
	const [header, , values] = section.split('\n').filter((line) => line.startsWith('|'));
	const names = cells(header!);
	const numbers = cells(values!).map(Number);
	return Object.fromEntries(names.map((name, index) => [name, numbers[index]!]));
}

describe('the fault matrix', () => {
	test('has unique ids and names, and covers every area', () => {
		expect(new Set(MATRIX.map((row) => row.id)).size).toBe(MATRIX.length);
		expect(new Set(MATRIX.map((row) => row.name)).size).toBe(MATRIX.length);
		expect(new Set(MATRIX.map((row) => row.area))).toEqual(new Set(AREAS));
	});
});

describe('RELIABILITY.md', () => {
	test('lists exactly the cases of the matrix, in order, with their layers and expected outcomes', () => {
		const listed = caseRows().map((row) => [row.id, row.name, row.layer, row.expected]);
		expect(listed).toEqual(MATRIX.map((row) => [row.id, row.name, row.layer, describeExpected(row.expected)]));
	});

	test('has counts that add up from its rows', () => {
		const rows = caseRows();
		const expectedKept = (row: DocRow) => row.expected === 'kept';
		expect(counts()).toEqual({
			'faults injected': rows.reduce((total, row) => total + row.faults, 0),
			'sessions kept': rows.filter((row) => expectedKept(row) && row.outcome === 'kept').length,
			'sessions rightly ended': rows.filter((row) => !expectedKept(row) && row.outcome === row.expected).length,
			'wrongful logouts': rows.filter((row) => expectedKept(row) && row.outcome.includes('ended:')).length,
			'duplicate refreshes': rows.reduce((total, row) => total + row.duplicates, 0),
			leaks: rows.reduce((total, row) => total + row.leaks, 0),
		});
		// A row passes only with the expected outcome, no duplicate refresh and no leak.
		for (const row of rows.filter((r) => r.result === 'pass')) {
			expect([row.id, row.outcome, row.duplicates, row.leaks]).toEqual([row.id, row.expected, 0, 0]);
		}
	});
});

/** The "Per engine" section: its counts table (by engine) and its case table (id → one cell per engine). */
function perEngine(): {engines: string[]; counts: Array<Record<string, string>>; cases: Array<{id: string; cells: string[]}>} {
	const section = doc.slice(doc.indexOf('\n## Per engine'), doc.indexOf('\n## Cases'));
	const tables = section.split('\n\n').map((block) => block.split('\n').filter((line) => line.startsWith('|'))).filter((rows) => rows.length > 0);
	const [countRows, caseRows] = tables as [string[], string[]];
	const header = cells(countRows[0]!);
	const counts = countRows.slice(2).map((line) => Object.fromEntries(cells(line).map((value, index) => [header[index]!, value])));
	const engines = cells(caseRows[0]!).slice(1);
	const cases = caseRows.slice(2).map((line) => {
		const [id, ...rest] = cells(line);
		return {id: id!.replace(/`/g, ''), cells: rest};
	});
	return {engines, counts, cases};
}

describe('RELIABILITY.md, per engine', () => {
	test('lists every browser case for each engine, and each engine\'s counts add up from its column', () => {
		const {engines, counts, cases} = perEngine();
		expect(engines).toEqual(['Chromium', 'Firefox', 'WebKitGTK']);
		expect(cases.map((row) => row.id)).toEqual(rowsOf('e2e').map((row) => row.id));
		const expected = new Map<string, string>(MATRIX.map((row) => [row.id, describeExpected(row.expected)]));
		for (const [index, engine] of engines.entries()) {
			const column = cases.map((row) => {
				const [outcome, numbers, ...result] = row.cells[index]!.split('; ');
				const [faults, duplicates, leaks] = [...numbers!.matchAll(/\d+/g)].map((match) => Number(match[0]));
				return {expected: expected.get(row.id)!, outcome: outcome!, faults: faults!, duplicates: duplicates!, leaks: leaks!, pass: result.join('; ') === 'pass'};
			});
			const kept = (row: {expected: string}) => row.expected === 'kept';
			expect(counts.find((row) => row.engine === engine)).toMatchObject({
				cases: String(column.length),
				pass: String(column.filter((row) => row.pass).length),
				fail: String(column.filter((row) => !row.pass).length),
				'faults injected': String(column.reduce((total, row) => total + row.faults, 0)),
				'sessions kept': String(column.filter((row) => kept(row) && row.outcome === 'kept').length),
				'sessions rightly ended': String(column.filter((row) => !kept(row) && row.outcome === row.expected).length),
				'wrongful logouts': String(column.filter((row) => kept(row) && row.outcome.includes('ended:')).length),
				'duplicate refreshes': String(column.reduce((total, row) => total + row.duplicates, 0)),
				leaks: String(column.reduce((total, row) => total + row.leaks, 0)),
			});
		}
	});
});

describe('the matrix checks themselves', () => {
	test('the leak search finds a token wherever it stands alone, and not inside a longer one', () => {
		const secrets = new Map([['at-1', 'access token'], ['rt-abc-2', 'refresh token']]);
		expect(findSecrets({
			localStorage: '[["k","at-1"]]',
			console: 'log: refreshed with rt-abc-2.',
			url: 'https://app.example/?x=at-12&y=cat-1',
			bytes: `\u0000\u00ffrt-abc-2\u0001`,
		}, secrets)).toEqual(['bytes: refresh token', 'console: refresh token', 'localStorage: access token']);
		expect(findSecrets({plain: 'rt-abc-2'}, secrets, (place) => place === 'plain')).toEqual([]);
	});

	test('outcomes are judged per tab: one tab signed out is a wrongful logout, a wrong reason is not a right end', () => {
		const kept = {tab: 'a', session: 'kept'} as const;
		const ended = (reason: string) => ({tab: 'b', session: 'ended', reason}) as const;
		expect(verdictOf({session: 'kept'}, observedOf([kept, kept]))).toBe('kept');
		expect(verdictOf({session: 'kept'}, observedOf([kept, ended('invalid_grant')]))).toBe('wrongful-logout');
		expect(verdictOf({session: 'ended', reason: 'logout'}, observedOf([ended('logout'), ended('logout')]))).toBe('rightly-ended');
		expect(verdictOf({session: 'ended', reason: 'logout'}, observedOf([ended('logout'), ended('session-removed')]))).toBe('wrong-reason');
		expect(verdictOf({session: 'ended', reason: 'logout'}, observedOf([kept]))).toBe('not-ended');
		expect(describeObserved(observedOf([kept, ended('x'), ended('x')]))).toBe('split: 2 ended: x, 1 kept');
	});
});
