import {createStore, del, entries, get, set} from 'idb-keyval';
import {describe, expect, test, vi} from 'vitest';
import {makeManager, record} from '../helpers/managers.js';
import {useTokenServer} from '../helpers/token-server.js';

const server = useTokenServer();
const storeOf = (name = 'default') => createStore(`token-baton:${name}`, 'session');

/** Every byte IndexedDB holds for this manager, as text, so a test can search it for a token. */
async function rawStorage(name = 'default'): Promise<string> {
	const all = await entries(storeOf(name));
	const parts: string[] = [];
	const walk = (value: unknown): void => {
		if (value instanceof ArrayBuffer) parts.push(Buffer.from(value).toString('latin1'));
		else if (ArrayBuffer.isView(value)) parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1'));
		else if (typeof value === 'string' || typeof value === 'number') parts.push(String(value));
		else if (value && typeof value === 'object') for (const [key, inner] of Object.entries(value)) {
			parts.push(key);
			walk(inner);
		}
	};

	walk(all);
	return parts.join('\n');
}

describe('storage', () => {
	test('the refresh token is encrypted at rest and the access token is not stored at all', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({refresh_token: undefined}));
		await auth.setTokens({access_token: 'secret-access-token', token_type: 'Bearer', refresh_token: 'secret-refresh-token', expires_in: 60});

		const raw = await rawStorage();
		expect(raw).toContain('token-baton/1');
		expect(raw).not.toContain('secret-refresh-token');
		expect(raw).not.toContain('secret-access-token');
		const stored = await get<Record<string, unknown>>('session', storeOf());
		expect(stored?.iv).toBeInstanceOf(Uint8Array);
		expect(stored?.data).toBeInstanceOf(ArrayBuffer);
		// The record's fields, exactly: nothing DPoP-shaped without `dpop` (not even an undefined key).
		expect(Object.keys(stored!).sort()).toEqual(['data', 'format', 'iv', 'n', 'name', 'refreshExpiresAt', 'sid']);
		// The key is a non-extractable CryptoKey: its raw bytes cannot be exported by script.
		const key = await get<CryptoKey>('key', storeOf());
		expect(key?.extractable).toBe(false);
		await expect(crypto.subtle.exportKey('raw', key!)).rejects.toThrow();
	});

	test('every write uses a fresh IV', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login());
		const first = await get<{iv: Uint8Array}>('session', storeOf());
		await auth.setTokens(server().login());
		const second = await get<{iv: Uint8Array}>('session', storeOf());
		expect(Buffer.from(first!.iv).equals(Buffer.from(second!.iv))).toBe(false);
	});

	test('with encryptStorage: false the refresh token is stored in the clear (and still restored)', async () => {
		const auth = makeManager({encryptStorage: false});
		await auth.setTokens(server().login());
		expect(await rawStorage()).toContain('rt-1');
		auth.destroy();
		const reloaded = makeManager({encryptStorage: false});
		await expect(reloaded.getAccessToken()).resolves.toBe('at-2');
	});

	test.each([
		['garbage', 'not a record'],
		['a record of another format', {format: 'other/9', sid: 'x', n: 0}],
		['a record with a mistyped field', {format: 'token-baton/1', name: 'default', sid: 'x', n: 'one', refreshExpiresAt: null}],
		['a sealed record with its data missing', {format: 'token-baton/1', name: 'default', sid: 'x', n: 0, refreshExpiresAt: null, iv: new Uint8Array(12)}],
	])('a corrupt record (%s) is discarded: signed out, ready resolves, a warning says why', async (_label, value) => {
		await set('session', value, storeOf());
		const auth = makeManager();
		const warnings = record(auth, 'warning');
		await auth.ready;
		expect(auth.state).toBe('signed-out');
		expect(warnings).toEqual([expect.objectContaining({code: 'storage-discarded'})]);
		expect(await get('session', storeOf())).toBeUndefined();
	});

	test('a record whose key was deleted is undecryptable: discarded with a warning', async () => {
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();
		await del('key', storeOf());

		const reloaded = makeManager();
		const warnings = record(reloaded, 'warning');
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
		expect(warnings[0]).toMatchObject({code: 'storage-discarded', error: {code: 'ERR_STORAGE', problem: 'undecryptable'}});
	});

	test('a tampered ciphertext is undecryptable', async () => {
		const first = makeManager();
		await first.setTokens(server().login());
		first.destroy();
		const stored = await get<{data: ArrayBuffer}>('session', storeOf());
		const bytes = new Uint8Array(stored!.data);
		bytes[0] = bytes[0]! ^ 0xff;
		await set('session', {...stored, data: bytes.buffer}, storeOf());

		const reloaded = makeManager();
		const warnings = record(reloaded, 'warning');
		await reloaded.ready;
		expect(reloaded.state).toBe('signed-out');
		expect(warnings[0]?.error).toMatchObject({problem: 'undecryptable'});
	});

	test('a record copied from another manager is foreign and discarded', async () => {
		const other = makeManager({name: 'other'});
		await other.setTokens(server().login());
		await set('session', await get('session', storeOf('other')), storeOf());
		await set('key', await get('key', storeOf('other')), storeOf());

		const auth = makeManager();
		const warnings = record(auth, 'warning');
		await auth.ready;
		expect(auth.state).toBe('signed-out');
		expect(warnings[0]?.error).toMatchObject({problem: 'foreign'});
	});

	test('two managers with different names keep separate sessions', async () => {
		const a = makeManager({name: 'a'});
		const b = makeManager({name: 'b'});
		await a.setTokens(server().login());
		await b.ready;
		expect(b.state).toBe('signed-out');
		await a.logout();
		await b.setTokens(server().login());
		const reloadedA = makeManager({name: 'a'});
		const reloadedB = makeManager({name: 'b'});
		await Promise.all([reloadedA.ready, reloadedB.ready]);
		expect([reloadedA.state, reloadedB.state]).toEqual(['signed-out', 'signed-in']);
	});

	test('no IndexedDB: the session lives in memory for this tab, with a warning, and nothing crashes', async () => {
		vi.stubGlobal('indexedDB', undefined);
		const auth = makeManager();
		const warnings = record(auth, 'warning');
		await auth.ready;
		expect(warnings).toEqual([expect.objectContaining({code: 'storage-unavailable'})]);
		// Expired on arrival, so the next call refreshes with the refresh token kept in memory.
		await auth.setTokens(server().login({expires_in: 0}));
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1']);
	});

	test('IndexedDB that fails to open: memory instead, with a warning', async () => {
		const broken = {open: () => {
			throw new DOMException('The operation is insecure.', 'SecurityError');
		}};
		vi.stubGlobal('indexedDB', broken);
		const auth = makeManager();
		const warnings = record(auth, 'warning');
		await auth.ready;
		expect(auth.state).toBe('signed-out');
		expect(warnings[0]).toMatchObject({code: 'storage-unavailable'});
		await auth.setTokens(server().login());
		await expect(auth.getAccessToken()).resolves.toBe('at-1');
	});

	test('a write that fails (quota) keeps the session in memory and warns', async () => {
		const auth = makeManager();
		await auth.ready;
		const warnings = record(auth, 'warning');
		const original = IDBObjectStore.prototype.put;
		vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<typeof original>) {
			if (args[1] === 'session') throw new DOMException('Quota exceeded', 'QuotaExceededError');
			return original.apply(this, args);
		});
		await auth.setTokens(server().login());
		expect(auth.state).toBe('signed-in');
		await expect(auth.getAccessToken()).resolves.toBe('at-1');
		expect(warnings).toEqual([expect.objectContaining({code: 'storage-unavailable'})]);
	});
});

describe('storage failing under a live session', () => {
	test('IndexedDB becoming unreadable before a refresh keeps the session (memory from then on)', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		const warnings = record(auth, 'warning');
		vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(() => {
			throw new DOMException('The database connection is closing.', 'InvalidStateError');
		});
		await expect(auth.getAccessToken()).resolves.toBe('at-2');
		expect(auth.state).toBe('signed-in');
		expect(warnings.map((warning) => warning.code)).toEqual(['storage-unavailable']);
		expect(server().refreshCalls.map((call) => call.refreshToken)).toEqual(['rt-1']);
	});
});

describe('the database deleted from another tab', () => {
	test('is not blocked by this tab, and this tab ends its session at the next refresh', async () => {
		const auth = makeManager();
		await auth.setTokens(server().login({expires_in: 0}));
		const deletion = indexedDB.deleteDatabase('token-baton:default');
		const outcome = await new Promise<string>((resolve) => {
			deletion.onsuccess = () => resolve('deleted');
			deletion.onblocked = () => resolve('blocked');
		});
		expect(outcome).toBe('deleted');
		const signedOut = record(auth, 'signed-out');
		await expect(auth.getAccessToken()).rejects.toMatchObject({code: 'ERR_SIGNED_OUT'});
		expect(signedOut).toEqual([{reason: 'session-removed'}]);
		expect(server().refreshCalls).toHaveLength(0);
	});
});
