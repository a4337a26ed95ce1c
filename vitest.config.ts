import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		environment: 'happy-dom',
		setupFiles: ['test/helpers/setup.ts'],
		include: ['test/unit/**/*.test.ts'],
		restoreMocks: true,
	},
});
