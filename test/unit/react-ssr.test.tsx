// @vitest-environment node
import {renderToString} from 'react-dom/server';
import {beforeEach, expect, test, vi} from 'vitest';
import {createTokenManager} from '../../src/index.js';
import {AuthProvider, useAuth} from '../../src/react.js';

beforeEach(() => {
	// The shared setup file installs fake-indexeddb globally; a server has none.
	vi.stubGlobal('indexedDB', undefined);
});

function Page() {
	const {state} = useAuth();
	return state === 'signed-in' ? <main>orders</main> : <p>{state}</p>;
}

test('renderToString in Node: loading, whatever the manager knows, without touching a browser API or subscribing', async () => {
	expect(typeof window).toBe('undefined');
	const auth = createTokenManager({refresh: async () => ({access_token: 'a'})});
	await auth.ready;
	// The server's manager has settled, but the client's may not have: the server says loading, as the hydrating client will first.
	expect(auth.state).toBe('signed-out');
	const on = vi.spyOn(auth, 'on');
	expect(renderToString(<AuthProvider auth={auth}><Page /></AuthProvider>)).toBe('<p>loading</p>');
	expect(on).not.toHaveBeenCalled();
	auth.destroy();
});
