import {act, cleanup, render, screen} from '@testing-library/react';
import {HttpResponse} from 'msw';
import {StrictMode} from 'react';
import {afterEach, describe, expect, test, vi} from 'vitest';
import type {TokenManager} from '../../src/index.js';
import {AuthProvider, useAuth} from '../../src/react.js';
import {advance, useFakeClock} from '../helpers/clock.js';
import {countListeners} from '../helpers/listeners.js';
import {makeManager, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
afterEach(cleanup);

/** Shows what useAuth gives, and counts its renders. */
function Status({auth, renders}: {auth?: TokenManager; renders?: {count: number}}) {
	const {state, session} = useAuth(auth);
	if (renders) renders.count++;
	return <p data-testid="status">{state}{session ? ` until ${session.expiresAt}` : ''}</p>;
}

const status = () => screen.getByTestId('status').textContent;

/** A session stored by a tab that is gone: what the next page load restores. */
async function storedSession(): Promise<void> {
	const previous = makeManager();
	await previous.setTokens(server().login());
	previous.destroy();
}

describe('useAuth (React)', () => {
	test('shows loading first, then the restored session', async () => {
		await storedSession();
		const auth = makeManager();
		render(<Status auth={auth} />);
		expect(status()).toBe('loading');
		await act(async () => auth.ready);
		// Restored without an access token yet: the expiry is unknown until the first refresh.
		expect(status()).toBe('signed-in until undefined');
	});

	test('shows loading first, then signed-out when nothing is stored', async () => {
		const auth = makeManager();
		render(<Status auth={auth} />);
		expect(status()).toBe('loading');
		await act(async () => auth.ready);
		expect(status()).toBe('signed-out');
	});

	test('a login and a logout in another tab re-render the component', async () => {
		const other = makeManager();
		const auth = makeManager();
		await act(async () => Promise.all([other.ready, auth.ready]));
		render(<Status auth={auth} />);
		expect(status()).toBe('signed-out');
		await act(async () => other.setTokens(server().login()));
		await screen.findByText(/^signed-in until/);
		await act(async () => other.logout());
		await screen.findByText('signed-out');
	});

	test('StrictMode mounts and unmounts leave no listener behind', async () => {
		const auth = makeManager();
		const listeners = countListeners(auth);
		const {unmount} = render(<StrictMode><Status auth={auth} /></StrictMode>);
		// The state and session events, once: StrictMode's extra subscribe was undone.
		expect(listeners()).toBe(2);
		await act(async () => auth.ready);
		expect(status()).toBe('signed-out');
		unmount();
		expect(listeners()).toBe(0);
	});

	test('a refresh re-renders once; a refused token whose refresh failed (nothing visible changed) does not', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 3600}));
		const renders = {count: 0};
		render(<Status auth={auth} renders={renders} />);
		const first = status();
		expect(renders.count).toBe(1);
		await act(async () => expect(auth.getAccessToken({rejectedToken: 'at-1'})).resolves.toBe('at-2'));
		expect(status()).not.toBe(first);
		expect(renders.count).toBe(2);
		// An API refused the new token and its refresh failed: a new session value, the same SessionInfo.
		server().respondNext(() => new HttpResponse(null, {status: 503}));
		await act(async () => expect(auth.getAccessToken({rejectedToken: 'at-2'})).rejects.toMatchObject({code: 'ERR_REFRESH_TRANSIENT'}));
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
		render(<Status auth={auth} renders={renders} />);
		const first = status();
		await act(async () => advance(541_000));
		await vi.waitFor(() => expect(status()).not.toBe(first));
		expect(renders.count).toBe(2);
		await act(async () => advance(140_000));
		expect(warnings.map((warning) => warning.code)).toEqual(['refresh-token-expiring']);
		expect(renders.count).toBe(2);
	});
});

describe('AuthProvider', () => {
	test('useAuth() without an argument reads the provided manager', async () => {
		const auth = makeManager();
		render(<AuthProvider auth={auth}><Status /></AuthProvider>);
		expect(status()).toBe('loading');
		await act(async () => auth.ready);
		expect(status()).toBe('signed-out');
		await act(async () => auth.setTokens(server().login()));
		expect(status()).toMatch(/^signed-in until/);
	});

	test('useAuth() with neither an argument nor a provider says what is missing', () => {
		// React reports the render error on the console as well; the test looks at the throw.
		vi.spyOn(console, 'error').mockImplementation(() => {});
		expect(() => render(<Status />)).toThrow(/needs a manager.*AuthProvider/);
	});
});
