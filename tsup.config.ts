import {defineConfig} from 'tsup';

export default defineConfig({
	// `ky`, `react` and `vue` are entries of their own so that the core never loads them.
	// The ky entry imports only types from ky; the React and Vue entries import their framework.
	entry: {index: 'src/index.ts', ky: 'src/ky.ts', react: 'src/react.ts', vue: 'src/vue.ts'},
	format: ['esm', 'cjs'],
	dts: true,
	clean: true,
	// Keeps the fallbacks (lease lock, localStorage channel) out of the entry chunk: they are imported only where needed.
	splitting: true,
	// Peer dependencies: the app's own copy, never bundled (tsup leaves peers external anyway; said here for the reader).
	external: ['react', 'vue'],
	target: 'es2022',
	platform: 'browser',
	sourcemap: false,
});
