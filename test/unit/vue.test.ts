import {flushPromises, mount} from '@vue/test-utils';
import {HttpResponse} from 'msw';
import {defineComponent, effectScope, h, ref, type PropType} from 'vue';
import {describe, expect, test, vi} from 'vitest';
import type {TokenManager} from '../../src/index.js';
import {provideAuth, useAuth} from '../../src/vue.js';
import {advance, useFakeClock} from '../helpers/clock.js';
import {countListeners} from '../helpers/listeners.js';
import {makeManager, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();

/** Shows what useAuth gives, and counts its renders. */
const Status = defineComponent({
	props: {
		auth: {type: Object as PropType<TokenManager>, default: undefined},
		// A function: an object prop would be made reactive, and counting in it would trigger a render.
		onRender: {type: Function as PropType<() => void>, default: undefined},
	},
	setup(props) {
		const {state, session} = useAuth(props.auth);
		return () => {
			props.onRender?.();
			return h('p', `${state.value}${session.value ? ` until ${session.value.expiresAt}` : ''}`);
		};
	},
});

/** A session stored by a tab that is gone: what the next page load restores. */
async function storedSession(): Promise<void> {
	const previous = makeManager();
	await previous.setTokens(server().login());
	previous.destroy();
}

describe('useAuth (Vue)', () => {
	test('shows loading first, then the restored session', async () => {
		await storedSession();
		const auth = makeManager();
		const wrapper = mount(Status, {props: {auth}});
		expect(wrapper.text()).toBe('loading');
		await auth.ready;
		await flushPromises();
		// Restored without an access token yet: the expiry is unknown until the first refresh.
		expect(wrapper.text()).toBe('signed-in until undefined');
	});

	test('shows loading first, then signed-out when nothing is stored', async () => {
		const auth = makeManager();
		const wrapper = mount(Status, {props: {auth}});
		expect(wrapper.text()).toBe('loading');
		await auth.ready;
		await flushPromises();
		expect(wrapper.text()).toBe('signed-out');
	});

	test('a login and a logout in another tab re-render the component', async () => {
		const other = makeManager();
		const auth = makeManager();
		await Promise.all([other.ready, auth.ready]);
		const wrapper = mount(Status, {props: {auth}});
		expect(wrapper.text()).toBe('signed-out');
		await other.setTokens(server().login());
		await vi.waitFor(() => expect(wrapper.text()).toMatch(/^signed-in until \d+$/));
		await other.logout();
		await vi.waitFor(() => expect(wrapper.text()).toBe('signed-out'));
	});

	test('no listener is left after unmount', async () => {
		const auth = makeManager();
		const listeners = countListeners(auth);
		const wrapper = mount(Status, {props: {auth}});
		expect(listeners()).toBe(2);
		await auth.ready;
		wrapper.unmount();
		expect(listeners()).toBe(0);
	});

	test('outside a component, listening ends with the effect scope that called it', async () => {
		const auth = makeManager();
		const listeners = countListeners(auth);
		const scope = effectScope();
		const refs = scope.run(() => useAuth(auth))!;
		await auth.ready;
		expect(refs.state.value).toBe('signed-out');
		scope.stop();
		expect(listeners()).toBe(0);
	});

	test('a manager kept in reactive state (which Vue wraps in a proxy) works as itself', async () => {
		const auth = makeManager();
		const held = ref(auth);
		const scope = effectScope();
		const refs = scope.run(() => useAuth(held.value))!;
		await auth.ready;
		expect(refs.state.value).toBe('signed-out');
		scope.stop();
	});

	test('a refresh re-renders once; a refused token whose refresh failed (nothing visible changed) does not', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 3600}));
		const renders = {count: 0};
		const wrapper = mount(Status, {props: {auth, onRender: () => renders.count++}});
		const first = wrapper.text();
		expect(renders.count).toBe(1);
		await expect(auth.getAccessToken({rejectedToken: 'at-1'})).resolves.toBe('at-2');
		await flushPromises();
		expect(wrapper.text()).not.toBe(first);
		expect(renders.count).toBe(2);
		// An API refused the new token and its refresh failed: a new session value, the same SessionInfo.
		server().respondNext(() => new HttpResponse(null, {status: 503}));
		await expect(auth.getAccessToken({rejectedToken: 'at-2'})).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT'});
		await flushPromises();
		expect(renders.count).toBe(2);
	});

	test('the refresh-token expiry warning does not re-render; the scheduled refresh does', async () => {
		useFakeClock();
		vi.spyOn(Math, 'random').mockReturnValue(0);
		server().rotate = false;
		const auth = makeManager({refreshTokenWarningSeconds: 120, refreshLeewaySeconds: 60});
		// Refresh due at 600 − 60 = 540 s; the refresh token expires at 800 s, its warning at 680 s.
		await auth.setTokens(server().login({expires_in: 600, refresh_expires_in: 800}));
		const warnings = record(auth, 'warning');
		const renders = {count: 0};
		const wrapper = mount(Status, {props: {auth, onRender: () => renders.count++}});
		const first = wrapper.text();
		await advance(541_000);
		await vi.waitFor(() => expect(wrapper.text()).not.toBe(first));
		expect(renders.count).toBe(2);
		await advance(140_000);
		await flushPromises();
		expect(warnings.map((warning) => warning.code)).toEqual(['refresh-token-expiring']);
		expect(renders.count).toBe(2);
	});
});

describe('provideAuth', () => {
	test('in a parent component: useAuth() without an argument reads its manager', async () => {
		const auth = makeManager();
		const Parent = defineComponent({
			setup() {
				provideAuth(auth);
				return () => h(Status);
			},
		});
		const wrapper = mount(Parent);
		await auth.ready;
		await flushPromises();
		expect(wrapper.text()).toBe('signed-out');
	});

	test('for the whole app', async () => {
		const auth = makeManager();
		const wrapper = mount(Status, {global: {plugins: [{install: (app) => provideAuth(auth, app)}]}});
		await auth.setTokens(server().login());
		await flushPromises();
		expect(wrapper.text()).toMatch(/^signed-in until \d+$/);
	});

	test('useAuth() with neither an argument nor a provided manager says what is missing', () => {
		// Vue reports the setup error on the console as well; the test looks at the throw.
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		expect(() => mount(Status)).toThrow(/needs a manager.*provideAuth/);
	});
});
