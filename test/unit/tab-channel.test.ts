import {describe, expect, test, vi} from 'vitest';
import {openTabChannel} from '../../src/tabs/tab-channel.js';
import {settle} from '../helpers/clock.js';

/**
 * A fresh, real (happy-dom) localStorage whose writes are recorded. Fresh because happy-dom
 * binds a Storage's methods on first use: a spy on the prototype reaches only unused ones.
 */
function freshLocalStorage(): {written: unknown[]; setItem: ReturnType<typeof vi.spyOn>} {
	vi.stubGlobal('localStorage', new Storage());
	const written: unknown[] = [];
	const original = Storage.prototype.setItem;
	const setItem = vi.spyOn(Storage.prototype, 'setItem').mockImplementation(function (this: Storage, key: string, value: string) {
		written.push(JSON.parse(value));
		original.call(this, key, value);
	});
	return {written, setItem};
}

/** Another tab writing `value` under the channel's key, as the browser reports it to this tab. */
function storageEvent(key: string, newValue: string | null): StorageEvent {
	return new StorageEvent('storage', {key, newValue, oldValue: null, storageArea: localStorage});
}

const tokens = {accessToken: 'at-secret', expiresAt: 1, refreshToken: 'rt-secret', refreshExpiresAt: undefined, scope: undefined, idToken: 'id-secret'};

describe('the tab channel', () => {
	test('over a native BroadcastChannel, tokens travel (in memory only)', () => {
		const channel = openTabChannel('native-test', 'tab-1', () => {});
		expect(channel.carriesTokens).toBe(true);
		channel.close();
	});

	test('over a storage-backed transport, no token ever reaches localStorage: only notices', async () => {
		vi.stubGlobal('BroadcastChannel', undefined);
		const {written} = freshLocalStorage();
		const channel = openTabChannel('fallback-test', 'tab-1', () => {});
		expect(channel.carriesTokens).toBe(false);
		channel.post({type: 'tokens', login: true, gen: {sid: 's', n: 0}, tokens});
		channel.post({type: 'tokens', login: false, gen: {sid: 's', n: 1}, tokens});
		channel.post({type: 'token-request', id: 'q'});
		channel.post({type: 'token-response', id: 'q', gen: {sid: 's', n: 1}, tokens});
		channel.post({type: 'memory-only'});
		channel.post({type: 'signed-out', reason: 'logout'});
		// The fallback loads lazily: wait for it, then give any stray post time to show up.
		await vi.waitFor(() => expect(written).toHaveLength(4), {timeout: 5000});
		await settle();
		channel.close();
		expect(written.map((message) => (message as {type: string}).type)).toEqual(['tokens', 'tokens', 'memory-only', 'signed-out']);
		expect(written[0]).toMatchObject({protocol: 'token-baton', v: 1, from: 'tab-1', login: true, gen: {sid: 's', n: 0}});
		expect(written[0]).not.toHaveProperty('tokens');
		expect(JSON.stringify(written)).not.toMatch(/secret/);
		// Written and removed at once: nothing stays behind.
		expect(localStorage.length).toBe(0);
		// Closed: nothing more is written.
		channel.post({type: 'signed-out', reason: 'logout'});
		await settle();
		expect(written).toHaveLength(4);
	});

	test('over a storage-backed transport, equal notices in a row are each written differently', async () => {
		vi.stubGlobal('BroadcastChannel', undefined);
		const {written} = freshLocalStorage();
		const channel = openTabChannel('nonce-test', 'tab-1', () => {});
		channel.post({type: 'signed-out', reason: 'logout'});
		channel.post({type: 'signed-out', reason: 'logout'});
		await vi.waitFor(() => expect(written).toHaveLength(2), {timeout: 5000});
		channel.close();
		expect(JSON.stringify(written[0])).not.toBe(JSON.stringify(written[1]));
	});

	test('over a storage-backed transport, another tab\'s notice arrives; hostile values are ignored without throwing', async () => {
		vi.stubGlobal('BroadcastChannel', undefined);
		const received: unknown[] = [];
		const channel = openTabChannel('receive-test', 'tab-1', (message) => received.push(message));
		// Wait until the lazily loaded transport listens: its own post is the sign.
		const {written} = freshLocalStorage();
		channel.post({type: 'memory-only'});
		await vi.waitFor(() => expect(written).toHaveLength(1), {timeout: 5000});
		// A listener that throws does not throw from dispatchEvent: the window reports it as an error event.
		const errors: unknown[] = [];
		const onError = (event: Event) => errors.push(event);
		window.addEventListener('error', onError);
		const key = 'token-baton:receive-test';
		const hostile = ['{not json', 'null', '42', '"tokens"', '[]', '{"__proto__": {"polluted": true}}', JSON.stringify({protocol: 'token-baton', v: 1, from: 'tab-1', type: 'signed-out', reason: 'logout'})];
		for (const value of hostile) window.dispatchEvent(storageEvent(key, value));
		// The removal that follows each message, and other keys: not messages.
		window.dispatchEvent(storageEvent(key, null));
		window.dispatchEvent(storageEvent('other-key', JSON.stringify({protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'other'})));
		window.dispatchEvent(storageEvent(key, JSON.stringify({protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'logout', nonce: 'n'})));
		expect(received).toEqual([{protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'logout'}]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		window.removeEventListener('error', onError);
		expect(errors).toEqual([]);
		// Closed: no longer listening.
		channel.close();
		await settle();
		window.dispatchEvent(storageEvent(key, JSON.stringify({protocol: 'token-baton', v: 1, from: 'tab-2', type: 'signed-out', reason: 'again'})));
		expect(received).toHaveLength(1);
	});

	test('over a storage-backed transport, a localStorage that throws loses the notice, nothing else', async () => {
		vi.stubGlobal('BroadcastChannel', undefined);
		const {setItem} = freshLocalStorage();
		setItem.mockImplementation(() => {
			throw new DOMException('quota', 'QuotaExceededError');
		});
		const channel = openTabChannel('throwing-test', 'tab-1', () => {});
		expect(() => channel.post({type: 'signed-out', reason: 'logout'})).not.toThrow();
		await vi.waitFor(() => expect(setItem).toHaveBeenCalled(), {timeout: 5000});
		channel.post({type: 'memory-only'});
		await settle();
		expect(setItem).toHaveBeenCalledTimes(2);
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
