/** A ```ts block of a Markdown file. `line` is the 1-based line of its first code line. */
export type CodeBlock = {line: number; code: string};

const OPEN = /^```(?:ts|typescript)\s*$/;
const CLOSE = /^```\s*$/;

/** Every TypeScript fence (```ts or ```typescript) in `markdown`, in order. */
export function typeScriptBlocks(markdown: string): CodeBlock[] {
	const lines = markdown.split(/\r?\n/);
	const blocks: CodeBlock[] = [];
	let start: number | undefined;
	for (const [index, text] of lines.entries()) {
		if (start === undefined) {
			if (OPEN.test(text)) start = index + 1;
		} else if (CLOSE.test(text)) {
			blocks.push({line: start + 1, code: lines.slice(start, index).join('\n')});
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

/**
 * Rewrites tsc's `block-2.ts(5,3): error …` locations into `README.md:61:3: error …`, so a
 * failure points at the README line to fix.
 */
export function toReadmeLocations(output: string, blocks: readonly CodeBlock[], readmeName: string): string {
	return output.replace(/block-(\d+)\.ts\((\d+),(\d+)\)/g, (match, index: string, line: string, column: string) => {
		const block = blocks[Number(index)];
		return block ? `${readmeName}:${block.line + Number(line) - 1}:${column}` : match;
	});
}
