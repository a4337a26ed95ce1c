/**
 * `token-baton/vue`: the session state in Vue components (Vue 3.3 or later). Imports
 * nothing but `vue`, an optional peer dependency.
 *
 * @packageDocumentation
 */
import {getCurrentScope, inject, onScopeDispose, provide, shallowRef, toRaw, toRef, type App, type InjectionKey, type Ref} from 'vue';
import {watchAuth, type AuthSource} from './bindings/watch-auth.js';
import type {AuthState, SessionInfo} from './types/session.js';

export type {AuthSource};

/** What `useAuth` returns: readonly refs that follow `auth.state` and `auth.session`. */
export type AuthRefs = {
	/** `'loading'` until the manager's `ready` resolves (and always during server rendering), then `'signed-in'` or `'signed-out'`. */
	readonly state: Readonly<Ref<AuthState>>;
	/** `auth.session`: expiry and schedule of the session, undefined when signed out. */
	readonly session: Readonly<Ref<SessionInfo | undefined>>;
};

const AUTH: InjectionKey<AuthSource> = Symbol('token-baton');

/**
 * Makes `auth` the manager of `useAuth()` (without an argument): in a component's `setup`,
 * for its descendants; with `app`, for the whole app.
 *
 * ```ts
 * const app = createApp(App);
 * provideAuth(auth, app);
 * app.mount('#app');
 * ```
 */
export function provideAuth(auth: AuthSource, app?: App): void {
	if (app) app.provide(AUTH, auth);
	else provide(AUTH, auth);
}

/**
 * The state and session of `auth` (or of the manager given to {@link provideAuth}) as
 * readonly refs, updated when either changes, in this tab or because another tab logged in
 * or out. Listening stops when the calling effect scope (a component's setup) is disposed;
 * called outside any scope, it lasts as long as the manager. Where there is no `window`
 * (server rendering), `state` stays `'loading'` and nothing is subscribed. Throws when there
 * is neither an argument nor a provided manager.
 */
export function useAuth(auth?: AuthSource): AuthRefs {
	// A manager that went through reactive state (a prop, a ref, a store) arrives as Vue's proxy,
	// whose reads of the manager's private fields throw: the manager itself is read instead.
	const source = toRaw(auth ?? inject(AUTH, undefined));
	if (!source) throw new Error('token-baton/vue: useAuth() needs a manager, as its argument or from provideAuth()');
	const server = typeof window === 'undefined';
	// Shallow: SessionInfo is replaced, never changed in place. Setting an equal value triggers nothing.
	const state = shallowRef<AuthState>(server ? 'loading' : source.state);
	const session = shallowRef(server ? undefined : source.session);
	if (!server) {
		const stop = watchAuth(source, () => {
			state.value = source.state;
			session.value = source.session;
		});
		if (getCurrentScope()) onScopeDispose(stop);
	}

	return {state: toRef(() => state.value), session: toRef(() => session.value)};
}
