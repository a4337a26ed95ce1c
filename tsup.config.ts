import {defineConfig} from 'tsup';

export default defineConfig({
	// `ky` is its own entry so that the core never loads it; it imports only types from ky.
	entry: {index: 'src/index.ts', ky: 'src/ky.ts'},
	format: ['esm', 'cjs'],
	dts: true,
	clean: true,
	// Keeps the fallbacks (lease lock, localStorage channel) out of the entry chunk: they are imported only where needed.
	splitting: true,
	target: 'es2022',
	platform: 'browser',
	sourcemap: false,
});
