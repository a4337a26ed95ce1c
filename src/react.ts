/**
 * `token-baton/react`: the session state in React components (React 18 and 19). Imports
 * nothing but `react`, an optional peer dependency.
 *
 * @packageDocumentation
 */
import {createContext, createElement, useContext, useSyncExternalStore, type ReactElement, type ReactNode} from 'react';
import {watchAuth, type AuthSource} from './bindings/watch-auth.js';
import type {AuthState, SessionInfo} from './types/session.js';

export type {AuthSource};

/**
 * What `useAuth` returns: `auth.state` and `auth.session` read together. The same object
 * until one of them changes, so a component renders again only then.
 */
export type AuthSnapshot = {
	/** `'loading'` until the manager's `ready` resolves (and always during server rendering), then `'signed-in'` or `'signed-out'`. */
	readonly state: AuthState;
	/** `auth.session`: expiry and schedule of the session, undefined when signed out. */
	readonly session: SessionInfo | undefined;
};

/** Props of {@link AuthProvider}. */
export type AuthProviderProps = {
	/** The token manager that `useAuth()` without an argument reads, in every component below. */
	auth: AuthSource;
	/** The components that may call `useAuth()`. */
	children?: ReactNode;
};

const AuthContext = createContext<AuthSource | undefined>(undefined);

/** What the server renders, and what a hydrating client renders first: the state is not known there. */
const LOADING: AuthSnapshot = {state: 'loading', session: undefined};
const serverSnapshot = () => LOADING;

type Store = {subscribe: (onChange: () => void) => () => void; snapshot: () => AuthSnapshot};
// One per manager, so that `subscribe` and `snapshot` stay the same functions across renders
// (React resubscribes whenever `subscribe` changes) and every component shares one snapshot.
const stores = new WeakMap<AuthSource, Store>();

function storeOf(auth: AuthSource): Store {
	let store = stores.get(auth);
	if (!store) {
		let last = LOADING;
		store = {
			subscribe: (onChange) => watchAuth(auth, onChange),
			snapshot() {
				const {state, session} = auth;
				// auth.session keeps its object while nothing it shows changed: identity is enough.
				if (state !== last.state || session !== last.session) last = {state, session};
				return last;
			},
		};
		stores.set(auth, store);
	}

	return store;
}

/**
 * Makes `auth` the manager of `useAuth()` (without an argument) in every component below.
 *
 * ```tsx
 * createRoot(element).render(<AuthProvider auth={auth}><App /></AuthProvider>);
 * ```
 */
export function AuthProvider({auth, children}: AuthProviderProps): ReactElement {
	return createElement(AuthContext.Provider, {value: auth}, children);
}

/**
 * The state and session of `auth` (or of the nearest {@link AuthProvider}'s manager), kept
 * current: the component renders again when either changes, in this tab or because another
 * tab logged in or out, and at no other time. Its subscription ends with the component.
 * During server rendering, and in the first render of a hydrating client, `state` is
 * `'loading'` and no browser API is touched. Throws when there is neither an argument nor
 * a provider.
 */
export function useAuth(auth?: AuthSource): AuthSnapshot {
	const provided = useContext(AuthContext);
	const source = auth ?? provided;
	if (!source) throw new Error('token-baton/react: useAuth() needs a manager, as its argument or from an <AuthProvider auth={...}> above');
	const {subscribe, snapshot} = storeOf(source);
	return useSyncExternalStore(subscribe, snapshot, serverSnapshot);
}
