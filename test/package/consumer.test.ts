/**
 * The package as a consumer gets it: `npm pack` (whose `prepack` builds dist/ afresh), the
 * tarball installed into a throwaway app under the OS temp folder, then every way an app
 * uses it: ESM import, CJS require, SSR in Node, an esbuild browser bundle, TypeScript under
 * each resolution mode, the README's code blocks, publint and attw. See DEVELOPERS.md.
 *
 * The pack runs in a staging copy of the sources (with the repo's node_modules linked in), so
 * that it never rewrites the repo's own dist/ under another test run.
 */
import {execFile} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {publint} from 'publint';
import {formatMessage} from 'publint/utils';
import {afterAll, beforeAll, describe, test} from 'vitest';
import {
	BROWSER_ENTRY,
	CORE_EXPORTS,
	CORE_ONLY_CONSUMER,
	ERROR_CLASS_NAMES,
	ERROR_NAMES_SCRIPT,
	KY_EXPORTS,
	LOGIN_EXPORTS,
	README_CONFIG,
	README_PRELUDE,
	runtimeScript,
	TYPE_CHECK_CONFIGS,
	TYPE_CONSUMER,
	WITH_KY_SCRIPT,
	type RuntimeReport,
} from './fixtures.js';
import {FRAMEWORK_CHECK_CONFIGS, FRAMEWORK_CONSUMER, frameworksScript, REACT_EXPORTS, VUE_EXPORTS, type FrameworkReport} from './framework-fixtures.js';
import {DPOP_BUDGET, LOGIN_BUDGET, measureBundle, SIZE_BUDGET} from '../../bench/size.js';
import {asModule, blockFile, toReadmeLocations, typeScriptBlocks, type CodeBlock} from './readme-blocks.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const repoModules = path.join(repo, 'node_modules');
const tscBin = path.join(repoModules, 'typescript', 'bin', 'tsc');
const attwBin = path.join(repoModules, '@arethetypeswrong', 'cli', 'dist', 'index.js');

/** What the package may publish besides dist/ JavaScript and declarations. */
const METADATA_FILES = ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'];
const DIST_FILE = /^dist\/[\w.-]+\.(?:js|cjs|d\.ts|d\.cts)$/;
/** What the staging copy needs to build and pack: the sources, the build config, the metadata. */
const STAGED = [...METADATA_FILES, 'tsconfig.json', 'tsup.config.ts', 'src'];

/** Files the build must produce, whatever the chunk names: each one is named in package.json. */
const ENTRY_FILES = ['index', 'ky', 'login', 'react', 'vue'].flatMap((entry) => ['js', 'cjs', 'd.ts', 'd.cts'].map((extension) => `dist/${entry}.${extension}`));

/** The peer dependencies of the entries: linked into the app's sub-folder, never installed in the app itself. */
const PEERS = ['ky', 'react', 'react-dom', '@types/react', 'vue'];

type Run = {code: number; output: string; stdout: string};

// Child processes get a clean npm context: no lifecycle variables of an enclosing `npm test`,
// and no NODE_OPTIONS that could preload anything into the consumer's Node.
const childEnv: NodeJS.ProcessEnv = {NO_COLOR: '1'};
for (const [key, value] of Object.entries(process.env)) {
	if (/^npm_(?:package|lifecycle)_/i.test(key) || key === 'NODE_OPTIONS' || key === 'FORCE_COLOR') continue;
	childEnv[key] = value;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 90_000): Promise<Run> {
	return new Promise((resolve) => {
		execFile(command, args, {cwd, env: childEnv, timeout, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
			const output = [`$ ${command} ${args.join(' ')}  (in ${cwd})`, stdout, stderr, error && !stdout && !stderr ? String(error) : '']
				.filter(Boolean)
				.join('\n');
			resolve({code, output, stdout});
		});
	});
}

async function runOk(command: string, args: readonly string[], cwd: string): Promise<Run> {
	const result = await run(command, args, cwd);
	if (result.code !== 0) throw new Error(`exit code ${result.code}\n${result.output}`);
	return result;
}

function node(args: readonly string[], cwd: string): Promise<Run> {
	return run(process.execPath, args, cwd);
}

function record(value: unknown, what: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
	return value as Record<string, unknown>;
}

/** The file list of `npm pack --json`, which prints its JSON after any lifecycle-script output. */
function packedFiles(stdout: string): {filename: string; files: string[]} {
	const start = stdout.startsWith('[') ? 0 : stdout.lastIndexOf('\n[') + 1;
	const parsed: unknown = JSON.parse(stdout.slice(start));
	if (!Array.isArray(parsed) || parsed.length !== 1) throw new Error(`unexpected npm pack output:\n${stdout}`);
	const entry = record(parsed[0], 'npm pack entry');
	const files = entry.files;
	if (typeof entry.filename !== 'string' || !Array.isArray(files)) throw new Error(`unexpected npm pack entry:\n${stdout}`);
	return {filename: entry.filename, files: files.map((file) => String(record(file, 'npm pack file').path)).sort()};
}

/** Every path package.json points at (exports, main, module, types, typesVersions). */
function declaredTargets(pkg: Record<string, unknown>): string[] {
	const found = new Set<string>();
	const walk = (value: unknown): void => {
		if (typeof value === 'string') found.add(value.replace(/^\.\//, ''));
		else if (Array.isArray(value)) value.forEach(walk);
		else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
	};

	for (const field of ['exports', 'main', 'module', 'types', 'typesVersions']) walk(pkg[field]);
	return [...found].sort();
}

function outsideOf(parent: string, child: string): boolean {
	const relative = path.relative(parent, child);
	return relative.startsWith('..') || path.isAbsolute(relative);
}

let root = '';
let app = '';
let withPeers = '';
let tarball = '';
let tarballFiles: string[] = [];
let readmeBlocks: CodeBlock[] = [];

beforeAll(async () => {
	root = mkdtempSync(path.join(os.tmpdir(), 'token-baton-package-'));
	// Outside the repo, so that Node, TypeScript and esbuild can never fall back on the repo's node_modules.
	if (!outsideOf(repo, root)) throw new Error(`the temporary folder ${root} must not be inside ${repo}`);

	const stage = path.join(root, 'stage');
	for (const entry of STAGED) cpSync(path.join(repo, entry), path.join(stage, entry), {recursive: true});
	symlinkSync(repoModules, path.join(stage, 'node_modules'), 'dir');
	const packDir = path.join(root, 'pack');
	mkdirSync(packDir);
	// The staging copy has no dist/: whatever the tarball holds, prepack built it just now.
	const packed = packedFiles((await runOk('npm', ['pack', '--json', '--pack-destination', packDir], stage)).stdout);
	tarball = path.join(packDir, packed.filename);
	tarballFiles = packed.files;

	app = path.join(root, 'app');
	mkdirSync(app);
	writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({name: 'consumer-app', version: '0.0.0', private: true}, null, 2)}\n`);
	// From the npm cache where it can (CI reaches only the npm registry); ky, an optional peer, is not installed.
	await runOk(
		'npm',
		['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'],
		app,
	);

	writeFileSync(path.join(app, 'esm.mjs'), runtimeScript('esm'));
	writeFileSync(path.join(app, 'cjs.cjs'), runtimeScript('cjs'));
	writeFileSync(path.join(app, 'browser.mjs'), BROWSER_ENTRY);
	mkdirSync(path.join(app, 'types'));
	for (const extension of ['ts', 'mts', 'cts']) {
		writeFileSync(path.join(app, 'types', `consumer.${extension}`), TYPE_CONSUMER);
		writeFileSync(path.join(app, 'types', `core-only.${extension}`), CORE_ONLY_CONSUMER);
	}

	for (const config of TYPE_CHECK_CONFIGS) {
		const {compilerOptions, files} = config;
		writeFileSync(path.join(app, `tsconfig.${config.name}.json`), JSON.stringify({compilerOptions, files}, null, 2));
	}

	// A sub-folder that sees the real peers (the repo's ky, React and Vue, linked in) while the
	// app itself has none. token-baton is copied in as installed: the React and Vue entries
	// import their framework, which Node and TypeScript look up from where token-baton sits.
	withPeers = path.join(app, 'with-peers');
	const peerModules = path.join(withPeers, 'node_modules');
	mkdirSync(path.join(peerModules, '@types'), {recursive: true});
	for (const peer of PEERS) symlinkSync(path.join(repoModules, peer), path.join(peerModules, peer), 'dir');
	cpSync(path.join(app, 'node_modules', 'token-baton'), path.join(peerModules, 'token-baton'), {recursive: true});
	writeFileSync(path.join(withPeers, 'run.mjs'), WITH_KY_SCRIPT);
	writeFileSync(path.join(withPeers, 'frameworks.mjs'), frameworksScript('esm'));
	writeFileSync(path.join(withPeers, 'frameworks.cjs'), frameworksScript('cjs'));
	mkdirSync(path.join(withPeers, 'types'));
	for (const extension of ['ts', 'mts', 'cts']) writeFileSync(path.join(withPeers, 'types', `frameworks.${extension}`), FRAMEWORK_CONSUMER);
	for (const config of FRAMEWORK_CHECK_CONFIGS) {
		const {compilerOptions, files} = config;
		writeFileSync(path.join(withPeers, `tsconfig.${config.name}.json`), JSON.stringify({compilerOptions, files}, null, 2));
	}

	// The README as published, each ```ts and ```tsx block a module of its own.
	readmeBlocks = typeScriptBlocks(readFileSync(path.join(app, 'node_modules', 'token-baton', 'README.md'), 'utf8'));
	const readme = path.join(withPeers, 'readme');
	mkdirSync(readme);
	writeFileSync(path.join(readme, 'readme-prelude.d.ts'), README_PRELUDE);
	for (const [index, block] of readmeBlocks.entries()) writeFileSync(path.join(readme, blockFile(block, index)), asModule(block));
	writeFileSync(path.join(readme, 'tsconfig.json'), JSON.stringify(README_CONFIG, null, 2));
});

afterAll(() => {
	if (root) rmSync(root, {recursive: true, force: true});
});

describe.concurrent('published files', () => {
	test('npm pack --dry-run in the repo lists only dist/ JavaScript and declarations plus the metadata', async ({expect}) => {
		// --ignore-scripts: this looks at the repo's tree as it is, without rebuilding its dist/.
		const {stdout} = await runOk('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], repo);
		const {files} = packedFiles(stdout);
		expect(files.filter((file) => !METADATA_FILES.includes(file) && !DIST_FILE.test(file))).toEqual([]);
		expect(METADATA_FILES.filter((file) => !files.includes(file))).toEqual([]);
	});

	test('the tarball holds a fresh build, every file package.json names, and nothing else', ({expect}) => {
		expect(tarballFiles.filter((file) => !METADATA_FILES.includes(file) && !DIST_FILE.test(file))).toEqual([]);
		expect(METADATA_FILES.filter((file) => !tarballFiles.includes(file))).toEqual([]);
		expect(ENTRY_FILES.filter((file) => !tarballFiles.includes(file))).toEqual([]);
		const pkg = record(JSON.parse(readFileSync(path.join(app, 'node_modules', 'token-baton', 'package.json'), 'utf8')), 'package.json');
		expect(declaredTargets(pkg).filter((file) => !tarballFiles.includes(file))).toEqual([]);
	});

	test('no source map comment points at a missing file, only each peer\'s own entry loads it, and only the login entry oauth4webapi', ({expect}) => {
		const installed = path.join(app, 'node_modules', 'token-baton');
		const problems: string[] = [];
		for (const file of tarballFiles.filter((name) => /\.c?js$/.test(name))) {
			const text = readFileSync(path.join(installed, file), 'utf8');
			for (const match of text.matchAll(/^\/\/# sourceMappingURL=(\S+)\s*$/gm)) {
				const target = match[1] ?? '';
				if (!target.startsWith('data:') && !existsSync(path.join(installed, path.dirname(file), target))) {
					problems.push(`${file}: source map ${target} is not published`);
				}
			}

			for (const peer of ['ky', 'react', 'vue']) {
				const loads = new RegExp(`\\bfrom\\s*["']${peer}["']|\\b(?:require|import)\\(\\s*["']${peer}["']\\s*\\)`).test(text);
				// ky: not even token-baton/ky (it takes the app's instance). React and Vue: their entry only.
				const allowed = peer !== 'ky' && new RegExp(`^dist/${peer}\\.c?js$`).test(file);
				if (loads && !allowed) problems.push(`${file} loads ${peer}`);
			}

			// ESM: only login.js imports oauth4webapi; CJS: login.cjs carries it (oauth4webapi is ESM only).
			const loadsOauth = /\bfrom\s*["']oauth4webapi["']|\b(?:require|import)\(\s*["']oauth4webapi["']\s*\)/.test(text);
			if (loadsOauth !== (file === 'dist/login.js')) problems.push(`${file} ${loadsOauth ? 'loads' : 'does not load'} oauth4webapi`);
		}

		expect(problems).toEqual([]);
	});

	test('package.json: semver version, engines, no side effects', ({expect}) => {
		const pkg = record(JSON.parse(readFileSync(path.join(app, 'node_modules', 'token-baton', 'package.json'), 'utf8')), 'package.json');
		expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(?:-[\w.]+)?$/);
		expect(record(pkg.engines, 'engines').node).toBe('>=20');
		expect(pkg.sideEffects).toBe(false);
		expect(pkg.license).toBe('MIT');
	});
});

describe.concurrent('lint', () => {
	test('publint reports nothing on the tarball (suggestions included, warnings strict)', async ({expect}) => {
		const bytes = readFileSync(tarball);
		const tarballBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
		if (!(tarballBuffer instanceof ArrayBuffer)) throw new Error('expected an ArrayBuffer');
		const {messages, pkg} = await publint({pack: {tarball: tarballBuffer}, level: 'suggestion', strict: true});
		expect(messages.map((message) => formatMessage(message, pkg, {color: false}) ?? message.code)).toEqual([]);
	});

	test('attw (strict profile, no ignored rules) finds no type problem in any resolution mode', async ({expect}) => {
		// --no-definitely-typed: the package ships its own types, so there is no @types package to fetch.
		const result = await node([attwBin, tarball, '--format', 'json', '--no-definitely-typed'], root);
		const analysis = record(record(JSON.parse(result.stdout), 'attw output').analysis, 'attw analysis');
		expect(Object.keys(record(analysis.entrypoints, 'attw entrypoints')).sort()).toEqual(['.', './ky', './login', './package.json', './react', './vue']);
		expect(analysis.problems, result.output).toEqual([]);
		expect(result.code, result.output).toBe(0);
	});
});

describe.concurrent('runtime', () => {
	test('ESM import of every entry point in Node, as during SSR (no window), creates a manager and a login, destroys the manager', async ({expect}) => {
		const result = await node(['esm.mjs'], app);
		expect(result.code, result.output).toBe(0);
		const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as RuntimeReport;
		expect(report).toEqual({
			window: 'undefined',
			document: 'undefined',
			core: [...CORE_EXPORTS],
			ky: [...KY_EXPORTS],
			login: [...LOGIN_EXPORTS],
			signedOutIsBaton: true,
			loginErrorIsBaton: true,
			callbackInNode: 'undefined',
			signedOutCode: 'ERR_SIGNED_OUT',
			stateAfterReady: 'signed-out',
		});
	});

	test('CJS require of every entry point, without require(esm) (login.cjs carries oauth4webapi, which is ESM only)', async ({expect}) => {
		// Node 20.19+ can require() ES modules; turning that off proves the CJS build is CJS throughout.
		const result = await node(['--no-experimental-require-module', 'cjs.cjs'], app);
		expect(result.code, result.output).toBe(0);
		const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as RuntimeReport;
		expect(report.core).toEqual([...CORE_EXPORTS]);
		expect(report.ky).toEqual([...KY_EXPORTS]);
		expect(report.login).toEqual([...LOGIN_EXPORTS]);
		expect(report.stateAfterReady).toBe('signed-out');
		expect(report.signedOutIsBaton).toBe(true);
		expect(report.loginErrorIsBaton).toBe(true);
		expect(report.callbackInNode).toBe('undefined');
	});

	test('the app has no ky, React or Vue, and the installed package brought none (optional peers)', ({expect}) => {
		const requireFromApp = createRequire(path.join(app, 'package.json'));
		for (const peer of ['ky', 'react', 'vue']) {
			expect(() => requireFromApp.resolve(peer)).toThrow(/Cannot find module/);
			expect(existsSync(path.join(app, 'node_modules', peer))).toBe(false);
		}
	});

	test('token-baton/ky with the real ky: a 401 is retried once with the next token', async ({expect}) => {
		const result = await node(['run.mjs'], withPeers);
		expect(result.code, result.output).toBe(0);
		expect(JSON.parse(result.stdout.trim())).toEqual({body: {ok: true}, seen: ['Bearer first', 'Bearer second']});
	});

	test.for(['esm', 'cjs'] as const)('token-baton/react and token-baton/vue in Node (%s, no window): server rendering gives loading and subscribes nothing', async (format, {expect}) => {
		// CJS without require(esm): the CJS builds are CJS throughout, React's and Vue's included.
		const args = format === 'esm' ? ['frameworks.mjs'] : ['--no-experimental-require-module', 'frameworks.cjs'];
		const result = await node(args, withPeers);
		expect(result.code, result.output).toBe(0);
		const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as FrameworkReport;
		expect(report).toEqual({
			window: 'undefined',
			react: [...REACT_EXPORTS],
			vue: [...VUE_EXPORTS],
			reactHtml: '<p>loading</p>',
			vueHtml: '<p>loading</p>',
			listeners: 0,
		});
	});

	test('esbuild bundles the app for the browser with no Node built-in and no node-only build of a dependency', async ({expect}) => {
		const result = await build({
			absWorkingDir: app,
			entryPoints: ['browser.mjs'],
			bundle: true,
			platform: 'browser',
			format: 'esm',
			splitting: true,
			target: 'es2022',
			outdir: 'out',
			write: false,
			metafile: true,
			logLevel: 'silent',
		});
		expect(result.warnings.map((warning) => warning.text)).toEqual([]);
		const inputs = Object.entries(result.metafile.inputs);
		const names = inputs.map(([name]) => name);
		// The installed tarball is what got bundled (not the repo's sources).
		expect(names).toContain('node_modules/token-baton/dist/index.js');
		expect(names).toContain('node_modules/token-baton/dist/ky.js');
		expect(names).toContain('node_modules/token-baton/dist/login.js');
		// oauth4webapi as installed next to the package: a dependency, deduped by the app's bundler.
		expect(names).toContain('node_modules/oauth4webapi/build/index.js');
		// broadcast-channel, a dependency too: its browser build (no unix-socket method, no Node built-in).
		expect(names).toContain('node_modules/broadcast-channel/dist/esbrowser/broadcast-channel.js');
		expect(names.filter((name) => name.startsWith('node:') || (!name.startsWith('node_modules/') && name !== 'browser.mjs'))).toEqual([]);
		expect(names.filter((name) => /\/dist\/(?:esnode|es5node)\//.test(name))).toEqual([]);
		const externals = inputs.flatMap(([name, input]) => input.imports.filter((entry) => entry.external).map((entry) => `${name} -> ${entry.path}`));
		expect(externals).toEqual([]);
		for (const file of result.outputFiles) expect(file.text).not.toMatch(/\brequire\(|["']node:/);
	});

	test(`size budget (SPEC.md, Packaging): at start <= ${SIZE_BUDGET.startGzip} B gzip, in all <= ${SIZE_BUDGET.totalGzip} B`, async ({expect}) => {
		// bench/size.ts holds the numbers and the measurement; `npm run bench` reports the same.
		const size = await measureBundle("import {createTokenManager} from 'token-baton';\nglobalThis.auth = createTokenManager;", {resolveDir: app});
		const report = `at start ${size.start.gzip} B gzip, in all ${size.total.gzip} B; largest inputs: ${size.inputs.slice(0, 5).map((input) => `${input.path} ${input.bytes}`).join(', ')}`;
		expect(size.start.gzip, report).toBeLessThanOrEqual(SIZE_BUDGET.startGzip);
		expect(size.total.gzip, report).toBeLessThanOrEqual(SIZE_BUDGET.totalGzip);
		// The fallbacks, the token endpoint client, auth.fetch and revocation are chunks of their own.
		expect(size.start.gzip, report).toBeLessThan(size.total.gzip);
		// token-baton/login and oauth4webapi are never part of it.
		expect(size.inputs.filter((input) => /login|oauth4webapi/.test(input.path))).toEqual([]);
		// broadcast-channel (its browser build) is in the fallback chunk only: nothing of it at start, nor in the total.
		const fallbackInputs = size.inputs.filter((input) => /broadcast-channel|oblivious-set|fallback-channel/.test(input.path));
		expect(fallbackInputs.some((input) => input.path.endsWith('node_modules/broadcast-channel/dist/esbrowser/broadcast-channel.js')), report).toBe(true);
		expect(fallbackInputs.filter((input) => !/\/esbrowser\/|oblivious-set|fallback-channel/.test(input.path))).toEqual([]);
		expect(size.startInputs.filter((input) => /broadcast-channel|oblivious-set|fallback-channel|lease-lock/.test(input))).toEqual([]);
		expect(size.fallbacks['broadcast-channel transport'].gzip).toBeGreaterThan(0);
		expect(size.fallback.gzip).toBe(size.fallbacks['lease lock'].gzip + size.fallbacks['broadcast-channel transport'].gzip);
		// DPoP (issue 16) is a chunk of its own, outside start and total, loaded only with `dpop: true`.
		expect(size.dpop.gzip, report).toBeGreaterThan(0);
		expect(size.dpop.gzip, `DPoP chunk ${size.dpop.gzip} B gzip`).toBeLessThanOrEqual(DPOP_BUDGET.gzip);
	});

	test(`token-baton/login alone (oauth4webapi included) <= ${LOGIN_BUDGET.gzip} B gzip`, async ({expect}) => {
		const size = await measureBundle("import {createLogin} from 'token-baton/login';\nglobalThis.login = createLogin;", {resolveDir: app});
		const report = `login ${size.total.gzip} B gzip; largest inputs: ${size.inputs.slice(0, 5).map((input) => `${input.path} ${input.bytes}`).join(', ')}`;
		expect(size.total.gzip, report).toBeLessThanOrEqual(LOGIN_BUDGET.gzip);
		// Loaded whole: a login page needs all of it at once.
		expect(size.start.gzip, report).toBe(size.total.gzip);
	});

	test.for([['react', 'useAuth, AuthProvider'], ['vue', 'useAuth, provideAuth']] as const)(`token-baton/%s (%s) alone, its framework external: <= ${SIZE_BUDGET.bindingGzip} B gzip`, async ([entry, names], {expect}) => {
		const size = await measureBundle(`import {${names}} from 'token-baton/${entry}';\nglobalThis.binding = [${names}];`, {resolveDir: app, external: [entry]});
		const report = `${size.total.gzip} B gzip; inputs: ${size.inputs.map((input) => `${input.path} ${input.bytes}`).join(', ')}`;
		// Far below the core's size: nothing of the core comes along (the binding reads the manager the app passes in).
		expect(size.total.gzip, report).toBeLessThanOrEqual(SIZE_BUDGET.bindingGzip);
	});

	test('error classes keep their names in a minified bundle', async ({expect}) => {
		const result = await build({
			absWorkingDir: app,
			stdin: {contents: ERROR_NAMES_SCRIPT, resolveDir: app, loader: 'js'},
			bundle: true,
			minify: true,
			platform: 'node',
			format: 'esm',
			write: false,
			logLevel: 'silent',
		});
		writeFileSync(path.join(app, 'error-names.min.mjs'), result.outputFiles[0]!.text);
		const run = await node(['error-names.min.mjs'], app);
		expect(run.code, run.output).toBe(0);
		expect(JSON.parse(run.stdout.trim())).toEqual(ERROR_CLASS_NAMES);
	});
});

describe.concurrent('types', () => {
	/** The declarations of `entries` each mode must use: ESM and CJS ones where the mode tells them apart. */
	const expected = (name: string, entries: readonly string[]): string[] =>
		entries.flatMap((entry) => (name === 'node16' || name === 'nodenext' ? [`${entry}.d.ts`, `${entry}.d.cts`] : [`${entry}.d.ts`]));

	/** tsc with `--listFiles`: its run, and the basenames of the token-baton declarations it read. */
	async function typeCheck(name: string, cwd: string): Promise<{result: Run; used: string[]}> {
		const result = await node([tscBin, '-p', `tsconfig.${name}.json`, '--pretty', 'false', '--listFiles'], cwd);
		const used = result.stdout
			.split('\n')
			.map((line) => line.trim().replaceAll('\\', '/'))
			.filter((line) => line.includes('/node_modules/token-baton/dist/'))
			.map((line) => path.posix.basename(line));
		return {result, used};
	}

	test.for(TYPE_CHECK_CONFIGS.map((config) => config.name))('a strict consumer type-checks under moduleResolution %s', async (name, {expect}) => {
		const {result, used} = await typeCheck(name, app);
		expect(result.code, result.output).toBe(0);
		// The declarations each mode must have used, from the installed package.
		expect(used, result.output).toEqual(expect.arrayContaining(expected(name, ['index', 'ky', 'login'])));
	});

	test.for(FRAMEWORK_CHECK_CONFIGS.map((config) => config.name))('a strict React and Vue consumer type-checks under moduleResolution %s', async (name, {expect}) => {
		const {result, used} = await typeCheck(name, withPeers);
		expect(result.code, result.output).toBe(0);
		expect(used, result.output).toEqual(expect.arrayContaining(expected(name, ['index', 'react', 'vue'])));
	});

	test('every ```ts and ```tsx block of the published README type-checks against the built types', async ({expect}) => {
		expect(readmeBlocks.length).toBeGreaterThanOrEqual(3);
		expect(readmeBlocks.filter((block) => block.extension === 'tsx').length).toBeGreaterThanOrEqual(1);
		const result = await node([tscBin, '-p', 'tsconfig.json', '--pretty', 'false'], path.join(withPeers, 'readme'));
		expect(result.code, toReadmeLocations(result.output, readmeBlocks, 'README.md')).toBe(0);
	});
});
