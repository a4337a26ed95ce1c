import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import type {MatrixConfig} from './matrix-page.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/**
 * matrix-page.ts (with ky and token-baton/ky) as one classic script, for
 * `context.addInitScript`. Returns a function that prefixes the per-context configuration.
 */
export async function buildMatrixScript(): Promise<(config: MatrixConfig) => string> {
	const result = await build({
		absWorkingDir: root,
		entryPoints: [join(here, 'matrix-page.ts')],
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: 'chrome120',
		write: false,
		sourcemap: false,
		logLevel: 'silent',
	});
	const script = result.outputFiles[0]!.text;
	return (config) => `window.__matrixConfig = ${JSON.stringify(config)};\n${script}`;
}
