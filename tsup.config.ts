import {defineConfig, type Options} from 'tsup';

const shared: Options = {
	// `ky`, `login`, `react` and `vue` are entries of their own so that the core never loads them.
	// The ky entry imports only types from ky; the React and Vue entries import their framework.
	entry: {index: 'src/index.ts', ky: 'src/ky.ts', login: 'src/login.ts', react: 'src/react.ts', vue: 'src/vue.ts'},
	dts: true,
	// Keeps the fallbacks (lease lock, broadcast-channel transport) out of the entry chunk: they are imported only where needed.
	splitting: true,
	// Peer dependencies: the app's own copy, never bundled (tsup leaves peers external anyway; said here for the reader).
	external: ['react', 'vue'],
	target: 'es2022',
	platform: 'browser',
	sourcemap: false,
};

export default defineConfig([
	// ESM: oauth4webapi stays an import, so that an app's bundler dedupes and tree-shakes it.
	// No `clean`: the two builds run at once and would delete each other's files; `npm run build` empties dist/ first.
	{...shared, format: ['esm']},
	{
		...shared,
		format: ['cjs'],
		// oauth4webapi ships ESM only: the CommonJS build carries the parts login.cjs uses, so that
		// require('token-baton/login') works without Node's require(esm) (Node 20 before 20.19).
		noExternal: ['oauth4webapi'],
		banner: {js: '/* token-baton (MIT). login.cjs includes parts of oauth4webapi, MIT License, Copyright (c) Filip Skokan. */'},
	},
]);
