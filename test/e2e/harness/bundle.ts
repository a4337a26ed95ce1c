import {basename, dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {buildInitScripts} from './init-scripts.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

export type BrowserBundle = {
	/** Output file name (as served under /bundle/) → contents. The entry is `page.js`. */
	files: Map<string, string>;
	/** The lazily loaded chunk holding the lease lock (src/tabs/lease-lock.ts, the no-Web-Locks fallback). */
	leaseLockChunk: string;
	/** Scripts a page runs before its own code, served as /init/<name>.js (see init-scripts.ts). */
	initScripts: Map<string, string>;
};

/**
 * Bundle token-baton (src/, through the page harness) for the browser the way an app's
 * bundler would: ESM with code splitting, so `import('./lease-lock.js')` stays a lazily
 * loaded chunk that the page fetches only when the fallback is needed. Kept in memory.
 */
export async function buildBrowserBundle(): Promise<BrowserBundle> {
	const outdir = join(root, '.tmp', 'e2e-bundle');
	const result = await build({
		absWorkingDir: root,
		entryPoints: {page: join(here, 'page.ts')},
		bundle: true,
		format: 'esm',
		splitting: true,
		platform: 'browser',
		target: 'chrome120',
		outdir,
		write: false,
		metafile: true,
		sourcemap: false,
		logLevel: 'silent',
	});
	const files = new Map<string, string>();
	for (const file of result.outputFiles) files.set(basename(file.path), file.text);

	let leaseLockChunk: string | undefined;
	for (const [path, output] of Object.entries(result.metafile.outputs)) {
		if (output.entryPoint?.endsWith('src/tabs/lease-lock.ts')) leaseLockChunk = basename(relative(root, path));
	}

	if (!files.has('page.js') || leaseLockChunk === undefined) {
		throw new Error(`Unexpected bundle layout: ${[...files.keys()].join(', ')}`);
	}

	return {files, leaseLockChunk, initScripts: await buildInitScripts()};
}
