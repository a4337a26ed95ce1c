import {afterEach, describe, expect, test, vi} from 'vitest';
import {openTabChannel} from '../../src/tabs/tab-channel.js';
import {settle} from '../helpers/clock.js';

const posted: unknown[] = [];

// broadcast-channel as it behaves where there is no native BroadcastChannel: its transport
// (IndexedDB or localStorage) would write every posted message to storage.
vi.mock('broadcast-channel', () => ({
	BroadcastChannel: class {
		onmessage: ((data: unknown) => void) | undefined;
		async postMessage(message: unknown) {
			posted.push(message);
		}

		async close() {}
	},
}));

afterEach(() => {
	posted.length = 0;
});

const tokens = {accessToken: 'at-secret', expiresAt: 1, refreshToken: 'rt-secret', refreshExpiresAt: undefined, scope: undefined, idToken: 'id-secret'};

describe('the tab channel', () => {
	test('over a native BroadcastChannel, tokens travel (in memory only)', () => {
		const channel = openTabChannel('native-test', 'tab-1', () => {});
		expect(channel.carriesTokens).toBe(true);
		channel.close();
	});

	test('over a storage-backed transport, no token is ever posted: only notices', async () => {
		vi.stubGlobal('BroadcastChannel', undefined);
		const channel = openTabChannel('fallback-test', 'tab-1', () => {});
		expect(channel.carriesTokens).toBe(false);
		channel.post({type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens});
		channel.post({type: 'tokens', login: false, gen: {sid: 's', n: 1}, tokens});
		channel.post({type: 'token-request', id: 'q'});
		channel.post({type: 'token-response', id: 'q', gen: {sid: 's', n: 1}, tokens});
		channel.post({type: 'signed-out', reason: 'logout'});
		// The fallback loads lazily: wait for it, then give any stray post time to show up.
		await vi.waitFor(() => expect(posted).toHaveLength(3), {timeout: 5000});
		await settle();
		channel.close();
		expect(posted.map((message) => (message as {type: string}).type)).toEqual(['tokens', 'tokens', 'signed-out']);
		expect(JSON.stringify(posted)).not.toMatch(/secret/);
	});

	test('messages from this tab itself are ignored', async () => {
		const received: unknown[] = [];
		const mine = openTabChannel('echo-test', 'tab-1', (message) => received.push(message));
		const sender = new BroadcastChannel('token-baton:echo-test');
		sender.postMessage({protocol: 'token-baton', v: 1, from: 'tab-1', type: 'signed-out', reason: 'logout'});
		sender.postMessage({protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'logout'});
		await vi.waitFor(() => expect(received).toHaveLength(1), {timeout: 5000});
		expect(received[0]).toMatchObject({from: 'tab-2'});
		sender.close();
		mine.close();
	});
});
