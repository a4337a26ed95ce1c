import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vitest/config';

/**
 * broadcast-channel's browser build, the one an app's bundler picks (esbuild, browser platform).
 * Vitest would load its Node build, which adds a unix-socket method the browser never has.
 */
const broadcastChannelBrowser = fileURLToPath(new URL('node_modules/broadcast-channel/dist/esbrowser/index.js', import.meta.url));

const ENGINES = ['chromium', 'firefox', 'webkit'] as const;

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: 'unit',
					environment: 'happy-dom',
					alias: [{find: /^broadcast-channel$/, replacement: broadcastChannelBrowser}],
					setupFiles: ['test/helpers/setup.ts'],
					// .tsx: the React binding's tests (JSX compiled by Vite's default, the automatic runtime).
					include: ['test/unit/**/*.test.{ts,tsx}'],
					restoreMocks: true,
					unstubGlobals: true,
					// Generous: IndexedDB and channel work finish on real macrotasks, slow on a loaded 2-core machine.
					expect: {poll: {timeout: 5000}},
				},
			},
			// The browser tests once per engine (test/e2e/README.md): the engine is a parameter of the
			// harness, set per project, so the test files stay as they are and one engine runs alone
			// with --project e2e-firefox. groupOrder runs the engines one after the other (2 cores).
			...ENGINES.map((engine, index) => ({
				test: {
					name: `e2e-${engine}`,
					environment: 'node',
					include: ['test/e2e/**/*.test.ts'],
					env: {TOKEN_BATON_ENGINE: engine},
					// WebKit is driven through WebDriver round trips: slower, not different.
					testTimeout: engine === 'webkit' ? 120_000 : 60_000,
					hookTimeout: 60_000,
					// One browser at a time: the machine has 2 cores and the races must really overlap.
					fileParallelism: false,
					sequence: {groupOrder: index},
				},
			})),
			// The demo's real oidc-provider, API and page in Chromium and Firefox; see test/interop/README.md.
			...(['chromium', 'firefox'] as const).map((engine, index) => ({
				test: {
					name: `interop-${engine}`,
					environment: 'node',
					include: ['test/interop/**/*.test.ts'],
					env: {TOKEN_BATON_ENGINE: engine},
					testTimeout: 60_000,
					hookTimeout: 60_000,
					fileParallelism: false,
					sequence: {groupOrder: index},
				},
			})),
			{
				test: {
					// The packed tarball installed into a temporary app; see test/package/consumer.test.ts.
					name: 'package',
					environment: 'node',
					include: ['test/package/**/*.test.ts'],
					testTimeout: 120_000,
					hookTimeout: 180_000,
					// After the other projects: its npm, tsc and esbuild runs would load the 2 cores under the browser tests.
					sequence: {groupOrder: ENGINES.length},
				},
			},
		],
	},
});
