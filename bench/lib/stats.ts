/** Small statistics and formatting helpers shared by every part of `npm run bench`. */

/** The value at quantile `q` (0..1) of `values`, interpolating linearly between ranks. */
export function quantile(values: readonly number[], q: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const position = (sorted.length - 1) * q;
	const low = Math.floor(position);
	const high = Math.ceil(position);
	const lowValue = sorted[low]!;
	const highValue = sorted[high]!;
	return lowValue + (highValue - lowValue) * (position - low);
}

export function median(values: readonly number[]): number {
	return quantile(values, 0.5);
}

/** Median, min and max of the runs of one figure. */
export type Spread = {median: number; min: number; max: number; runs: number};

export function spread(values: readonly number[]): Spread {
	const finite = values.filter((value) => Number.isFinite(value));
	if (finite.length === 0) return {median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0};
	return {median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: finite.length};
}

/** `median [min–max]` with `digits` decimals, or `n/a`. */
export function formatSpread(value: Spread, digits = 0, unit = ''): string {
	if (value.runs === 0) return 'n/a';
	const f = (n: number) => formatNumber(n, digits);
	if (value.runs === 1 || value.min === value.max) return `${f(value.median)}${unit}`;
	return `${f(value.median)}${unit} [${f(value.min)}–${f(value.max)}]`;
}

export function formatNumber(value: number, digits = 0): string {
	if (!Number.isFinite(value)) return 'n/a';
	return value.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

/** Bytes as a plain integer with thousands separators. */
export function formatBytes(bytes: number): string {
	return formatNumber(bytes, 0);
}

/** Bytes as KiB with one decimal. */
export function formatKiB(bytes: number): string {
	return `${formatNumber(bytes / 1024, 1)} KB`;
}

/** A Markdown table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: ReadonlyArray<'l' | 'r'>): string {
	const sep = header.map((_, i) => (align?.[i] ?? 'l') === 'r' ? '---:' : '---');
	const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
	return [line(header), `|${sep.join('|')}|`, ...rows.map(line)].join('\n');
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => {
		setTimeout(resolve, ms);
	});
}
