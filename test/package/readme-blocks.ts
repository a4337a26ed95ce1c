/**
 * A TypeScript block of a Markdown file: ```ts (or ```typescript), or ```tsx for JSX.
 * `line` is the 1-based line of its first code line.
 */
export type CodeBlock = {line: number; code: string; extension: 'ts' | 'tsx'};

const OPEN = /^```(ts|typescript|tsx)\s*$/;
const CLOSE = /^```\s*$/;

/** Every TypeScript fence (```ts, ```typescript or ```tsx) in `markdown`, in order. */
export function typeScriptBlocks(markdown: string): CodeBlock[] {
	const lines = markdown.split(/\r?\n/);
	const blocks: CodeBlock[] = [];
	let start: number | undefined;
	let extension: CodeBlock['extension'] = 'ts';
	for (const [index, text] of lines.entries()) {
		if (start === undefined) {
			const open = OPEN.exec(text);
			if (open) {
				start = index + 1;
				extension = open[1] === 'tsx' ? 'tsx' : 'ts';
			}
		} else if (CLOSE.test(text)) {
			blocks.push({line: start + 1, code: lines.slice(start, index).join('\n'), extension});
			start = undefined;
		}
	}

	if (start !== undefined) throw new Error(`unclosed TypeScript fence opened at line ${start}`);
	return blocks;
}

/**
 * The block as a module file, with its line numbers unchanged: a fragment with neither
 * import nor export gets `export {}` appended, so that top-level await and its own
 * declarations stay local to it.
 */
export function asModule(block: CodeBlock): string {
	return /^\s*(?:import|export)\s/m.test(block.code) ? `${block.code}\n` : `${block.code}\nexport {};\n`;
}

/** The file the block is written to for tsc: `block-<index>.ts` or `.tsx`. */
export function blockFile(block: CodeBlock, index: number): string {
	return `block-${index}.${block.extension}`;
}

/**
 * Rewrites tsc's `block-2.ts(5,3): error …` locations into `README.md:61:3: error …`, so a
 * failure points at the README line to fix.
 */
export function toReadmeLocations(output: string, blocks: readonly CodeBlock[], readmeName: string): string {
	return output.replace(/block-(\d+)\.tsx?\((\d+),(\d+)\)/g, (match, index: string, line: string, column: string) => {
		const block = blocks[Number(index)];
		return block ? `${readmeName}:${block.line + Number(line) - 1}:${column}` : match;
	});
}
