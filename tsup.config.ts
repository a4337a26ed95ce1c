import {defineConfig} from 'tsup';

export default defineConfig({
	entry: {index: 'src/index.ts'},
	format: ['esm', 'cjs'],
	dts: true,
	clean: true,
	// Keeps broadcast-channel (the fallback) out of the entry chunk: it is imported only where needed.
	splitting: true,
	target: 'es2020',
	platform: 'browser',
	sourcemap: false,
});
