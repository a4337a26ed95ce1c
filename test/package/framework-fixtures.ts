/**
 * The files of the throwaway app's `with-peers` folder that concern token-baton/react and
 * token-baton/vue (test/package/consumer.test.ts; the folder is described there). Strings,
 * like fixtures.ts, so that the repo's own type-check never resolves `token-baton`.
 */
import {TYPE_CHECK_CONFIGS, type TypeCheckConfig} from './fixtures.js';

export const REACT_EXPORTS = ['AuthProvider', 'useAuth'] as const;
export const VUE_EXPORTS = ['provideAuth', 'useAuth'] as const;

/** What the framework scripts print as their last line. */
export type FrameworkReport = {
	window: string;
	react: string[];
	vue: string[];
	/** renderToString of a component showing `useAuth().state`, under AuthProvider / provideAuth. */
	reactHtml: string;
	vueHtml: string;
	/** Subscriptions the server renders made on the manager: none. */
	listeners: number;
};

/**
 * token-baton/react and token-baton/vue in Node, as a server renders with them (no window):
 * each entry's exports, and what a component using `useAuth()` renders to a string, though
 * the server's manager has settled signed out meanwhile. Runs where react, react-dom and vue
 * are installed (linked into a sub-folder of the app, which itself has none).
 */
export function frameworksScript(format: 'esm' | 'cjs'): string {
	const load =
		format === 'esm'
			? `import * as core from 'token-baton';
import * as reactEntry from 'token-baton/react';
import * as vueEntry from 'token-baton/vue';
import {createElement} from 'react';
import {renderToString} from 'react-dom/server';
import {createSSRApp, h} from 'vue';
import {renderToString as renderVue} from 'vue/server-renderer';`
			: `const core = require('token-baton');
const reactEntry = require('token-baton/react');
const vueEntry = require('token-baton/vue');
const {createElement} = require('react');
const {renderToString} = require('react-dom/server');
const {createSSRApp, h} = require('vue');
const {renderToString: renderVue} = require('vue/server-renderer');`;
	return `${load}

const names = (entry) => Object.keys(entry).filter((key) => key !== 'default' && key !== '__esModule').sort();

async function main() {
	const auth = core.createTokenManager({refresh: async () => ({access_token: 'a'})});
	await auth.ready;
	let listeners = 0;
	const on = auth.on.bind(auth);
	auth.on = (name, listener) => {
		listeners++;
		return on(name, listener);
	};
	const Status = () => createElement('p', null, reactEntry.useAuth().state);
	const reactHtml = renderToString(createElement(reactEntry.AuthProvider, {auth}, createElement(Status)));
	const app = createSSRApp({setup: () => {
		const {state} = vueEntry.useAuth();
		return () => h('p', state.value);
	}});
	vueEntry.provideAuth(auth, app);
	const vueHtml = await renderVue(app);
	auth.destroy();
	console.log(JSON.stringify({window: typeof window, react: names(reactEntry), vue: names(vueEntry), reactHtml, vueHtml, listeners}));
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
`;
}

/**
 * A consumer of token-baton/react and token-baton/vue, checked where react (with its types)
 * and vue are installed, in the same resolution modes as TYPE_CONSUMER. No JSX, so that one
 * source serves as .ts, .mts and .cts.
 */
export const FRAMEWORK_CONSUMER = `import {createTokenManager, type AuthState, type SessionInfo} from 'token-baton';
import {AuthProvider, useAuth, type AuthProviderProps, type AuthSnapshot, type AuthSource} from 'token-baton/react';
import {provideAuth, useAuth as useVueAuth, type AuthRefs, type AuthSource as VueAuthSource} from 'token-baton/vue';
import {createElement, type ReactElement} from 'react';
import {createApp, defineComponent, h, type Ref} from 'vue';

const auth = createTokenManager({tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 'my-spa'});
const source: AuthSource = auth;

function Status(): ReactElement {
	const snapshot: AuthSnapshot = useAuth();
	const state: AuthState = snapshot.state;
	const session: SessionInfo | undefined = useAuth(auth).session;
	return createElement('p', null, state, session?.expiresAt);
}

const props: AuthProviderProps = {auth, children: createElement(Status)};
const root: ReactElement = createElement(AuthProvider, props);

const Page = defineComponent({
	setup() {
		const refs: AuthRefs = useVueAuth();
		const state: Readonly<Ref<AuthState>> = refs.state;
		const session: Readonly<Ref<SessionInfo | undefined>> = useVueAuth(auth).session;
		// @ts-expect-error the refs are readonly
		refs.state.value = 'signed-in';
		return () => h('p', [state.value, String(session.value?.expiresAt)]);
	},
});

const app = createApp(Page);
provideAuth(auth, app);
const vueSource: VueAuthSource = source;
// @ts-expect-error useAuth takes a manager, not its options
useAuth({tokenEndpoint: 'https://auth.example.com/oauth/token'});

export {root, vueSource};
`;

/**
 * The framework consumer in every mode TYPE_CHECK_CONFIGS checks: the same options and
 * module kinds, FRAMEWORK_CONSUMER's copies instead of the core's.
 */
export const FRAMEWORK_CHECK_CONFIGS: TypeCheckConfig[] = TYPE_CHECK_CONFIGS.map((config) => ({
	...config,
	files: config.files.filter((file) => file.startsWith('types/consumer.')).map((file) => file.replace('consumer', 'frameworks')),
}));
