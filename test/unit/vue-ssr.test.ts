// @vitest-environment node
import {createSSRApp, defineComponent, h} from 'vue';
import {renderToString} from 'vue/server-renderer';
import {beforeEach, expect, test, vi} from 'vitest';
import {createTokenManager} from '../../src/index.js';
import {provideAuth, useAuth} from '../../src/vue.js';

beforeEach(() => {
	// The shared setup file installs fake-indexeddb globally; a server has none.
	vi.stubGlobal('indexedDB', undefined);
});

const Page = defineComponent({
	setup() {
		const {state} = useAuth();
		return () => (state.value === 'signed-in' ? h('main', 'orders') : h('p', state.value));
	},
});

test('renderToString in Node: loading, whatever the manager knows, without touching a browser API or subscribing', async () => {
	expect(typeof window).toBe('undefined');
	const auth = createTokenManager({refresh: async () => ({access_token: 'a'})});
	await auth.ready;
	expect(auth.state).toBe('signed-out');
	const on = vi.spyOn(auth, 'on');
	const app = createSSRApp(Page);
	provideAuth(auth, app);
	expect(await renderToString(app)).toBe('<p>loading</p>');
	expect(on).not.toHaveBeenCalled();
	auth.destroy();
});
