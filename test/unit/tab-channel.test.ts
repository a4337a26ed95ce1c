import {describe, expect, test, vi} from 'vitest';
import {openTabChannel} from '../../src/tabs/tab-channel.js';

describe('the tab channel', () => {
	test('over a native BroadcastChannel, tokens travel (in memory only)', () => {
		const channel = openTabChannel('native-test', 'tab-1', () => {});
		expect(channel.carriesTokens).toBe(true);
		channel.close();
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
