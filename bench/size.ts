import {build, type Metafile} from 'esbuild';
import {brotliCompressSync, gzipSync} from 'node:zlib';

/** The size budget of SPEC.md ("Packaging"). The one place that holds these numbers. */
export const SIZE_BUDGET = {
	/** What an app loads at start: the entry chunk and the chunks it imports statically. */
	startGzip: 7 * 1024,
	/** Everything a current browser can load with the default options: every chunk but the fallbacks. */
	totalGzip: 12 * 1024,
	/** Each framework binding on its own (`token-baton/react`, `token-baton/vue`), its framework external (issue 17: "well under 1 KB"). */
	bindingGzip: 1024,
};

/**
 * What `import {createLogin} from 'token-baton/login'` loads on its own, oauth4webapi included
 * (same measurement). Not part of the core's budget: an app loads it on its login and callback
 * pages. A guard against regressions, such as pulling in all of oauth4webapi (14.5 KB alone).
 */
export const LOGIN_BUDGET = {gzip: 11 * 1024};

/**
 * The DPoP chunk (src/dpop/), which only managers with `dpop: true` load: reported on its own
 * line, outside the total (issue 16). Hand-written WebCrypto ES256 signing; a guard against
 * pulling in a JOSE library (jose's SignJWT with key export was 5.9 KB, oauth4webapi's DPoP
 * helpers 2.7 KB, measured the same way).
 */
export const DPOP_BUDGET = {gzip: 2 * 1024};

/** The DPoP chunk, matched against a chunk's file name and its inputs. */
const DPOP = /dpop-client/;

/**
 * Chunks only old or unusual pages load, reported on their own, outside the total, each
 * fallback on a line of its own. Matched against a chunk's file name and its inputs.
 */
export const FALLBACKS = {
	/** The IndexedDB lease lock (src/tabs/lease-lock.ts): pages without Web Locks. */
	'lease lock': /lease-lock/,
	/** The broadcast-channel transport (src/tabs/fallback-channel.ts and the package): pages without a native BroadcastChannel. */
	'broadcast-channel transport': /fallback-channel|broadcast-channel|oblivious-set/,
} as const;

export type FallbackName = keyof typeof FALLBACKS;

export type Size = {minified: number; gzip: number; brotli: number};
export type BundleSize = {
	/** The entry chunk plus its static imports: what the app pays at start. */
	start: Size;
	/** Every chunk, lazy ones included, but the fallbacks and the DPoP chunk. */
	total: Size;
	/** The fallback chunks (FALLBACKS), which only old or unusual pages load. */
	fallback: Size;
	/** The same, per fallback: the chunks whose name or inputs match it. */
	fallbacks: Record<FallbackName, Size>;
	/** The DPoP chunk (DPOP), which only managers with `dpop: true` load. */
	dpop: Size;
	/** Input files by bytes in the output, largest first. */
	inputs: Array<{path: string; bytes: number}>;
	/** The input files that put bytes into the start chunks: what must never include a fallback. */
	startInputs: string[];
};

/**
 * Bundle `code` (an app's import of the package) the way an app's bundler would: esbuild,
 * browser, ESM, minified, code splitting on, runtime dependencies included, `external`
 * left out. Nothing is written to disk. Each file is compressed on its own, as a browser
 * downloads it, and the sizes added up.
 */
export async function measureBundle(code: string, options: {resolveDir: string; external?: string[]}): Promise<BundleSize> {
	const result = await build({
		stdin: {contents: code, resolveDir: options.resolveDir, loader: 'ts'},
		bundle: true,
		format: 'esm',
		splitting: true,
		minify: true,
		platform: 'browser',
		target: 'es2022',
		outdir: '/virtual-out',
		write: false,
		metafile: true,
		external: options.external ?? [],
		logLevel: 'silent',
	});
	const contents = new Map(result.outputFiles.map((file) => [relative(file.path), file.contents]));
	const outputs = Object.entries(result.metafile.outputs);
	const entry = outputs.find(([, output]) => output.entryPoint !== undefined);
	if (!entry) throw new Error('esbuild produced no entry chunk');
	const startFiles = staticClosure(entry[0], result.metafile);
	const sizeOf = (files: Iterable<string>): Size => {
		const size: Size = {minified: 0, gzip: 0, brotli: 0};
		for (const file of files) {
			const bytes = contents.get(relative(file)) ?? new Uint8Array();
			size.minified += bytes.length;
			size.gzip += gzipSync(bytes, {level: 9}).length;
			size.brotli += brotliCompressSync(bytes).length;
		}

		return size;
	};

	const chunks = outputs.map(([file]) => file).filter((file) => file.endsWith('.js'));
	const matches = (file: string, pattern: RegExp) => !startFiles.has(file) && (pattern.test(file) || Object.keys(result.metafile.outputs[file]?.inputs ?? {}).some((input) => pattern.test(input)));
	const isFallback = (file: string) => Object.values(FALLBACKS).some((pattern) => matches(file, pattern));
	const fallbacks = Object.fromEntries(Object.entries(FALLBACKS).map(([name, pattern]) => [name, sizeOf(chunks.filter((file) => matches(file, pattern)))])) as Record<FallbackName, Size>;
	const isDpop = (file: string) => matches(file, DPOP);

	const inputs = new Map<string, number>();
	for (const [, output] of outputs) {
		for (const [path, input] of Object.entries(output.inputs)) inputs.set(path, (inputs.get(path) ?? 0) + input.bytesInOutput);
	}

	return {
		start: sizeOf(startFiles),
		total: sizeOf(chunks.filter((file) => !isFallback(file) && !isDpop(file))),
		fallback: sizeOf(chunks.filter(isFallback)),
		fallbacks,
		dpop: sizeOf(chunks.filter(isDpop)),
		inputs: [...inputs].map(([path, bytes]) => ({path, bytes})).sort((a, b) => b.bytes - a.bytes),
		startInputs: [...startFiles].flatMap((file) => Object.entries(result.metafile.outputs[file]?.inputs ?? {}).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path)),
	};
}

/** The entry chunk and every chunk reachable from it through static imports. */
function staticClosure(entry: string, metafile: Metafile): Set<string> {
	const seen = new Set<string>();
	const visit = (file: string) => {
		if (seen.has(file)) return;
		seen.add(file);
		for (const imported of metafile.outputs[file]?.imports ?? []) {
			if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
		}
	};

	visit(entry);
	return seen;
}

function relative(path: string): string {
	return path.replace(/^.*virtual-out\//, '');
}
