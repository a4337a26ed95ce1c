#!/usr/bin/env node
// `npm run bench`: installs the peers into bench/node_modules when missing (from
// bench/package-lock.json), bundles the TypeScript bench scripts with esbuild into bench/.out/
// (Node 20 cannot run .ts), and runs them. See bench/main.ts for what is measured.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const startedAt = Date.now();
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bench = join(root, 'bench');

if (!existsSync(join(bench, 'node_modules'))) {
	process.stderr.write('bench: installing the peers (npm ci --prefix bench)\n');
	const install = spawnSync('npm', ['ci', '--prefix', 'bench', '--no-audit', '--no-fund'], {cwd: root, stdio: 'inherit'});
	// Carry on without them: every peer that is missing is reported as such in RESULTS.md.
	if (install.status !== 0) process.stderr.write(`bench: npm ci --prefix bench failed (${install.status ?? install.signal}); peers will be reported as not installed\n`);
}

// Sizes are measured on dist/, as published: build it from the current sources first.
const built = spawnSync('npm', ['run', 'build', '--silent'], {cwd: root, stdio: 'inherit'});
if (built.status !== 0) {
	process.stderr.write(`bench: npm run build failed (${built.status ?? built.signal})\n`);
	process.exit(1);
}

const {build} = await import('esbuild');
await build({
	absWorkingDir: root,
	entryPoints: {main: join(bench, 'main.ts'), endurance: join(bench, 'endurance.ts'), dpop: join(bench, 'dpop.ts')},
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	// Packages stay imports: resolved at run time from bench/node_modules, then the root's.
	packages: 'external',
	outdir: join(bench, '.out'),
	outExtension: {'.js': '.mjs'},
	logLevel: 'warning',
});

// BENCH_ONLY=dpop: only the DPoP part (bench/dpop.ts), printed as JSON; nothing written.
const only = process.env.BENCH_ONLY === 'dpop' ? [join(bench, '.out', 'dpop.mjs')] : [join(bench, '.out', 'main.mjs'), root, String(startedAt)];
const result = spawnSync(process.execPath, only, {cwd: root, stdio: 'inherit'});
process.exit(result.status ?? 1);
