import type {openTabChannel} from '../tabs/tab-channel.js';
import {base64url} from './base64url.js';

/**
 * The servers' latest `DPoP-Nonce` per origin, shared by the open tabs of one manager name:
 * a nonce one tab learns is posted to the others, and a tab that starts later asks for the
 * ones already known. In memory only (nonces are short-lived and not secrets). Messages go
 * over the tabs' channel as the `nonce` kind (src/tabs/messages.ts validates them).
 */
export type NonceStore = {
	/** The nonce known for `url`'s origin. */
	get(url: string | URL): string | undefined;
	/** Keep `nonce` for `url`'s origin, and tell the other tabs when it is new. */
	set(url: string | URL, nonce: string): void;
	/** Resolves once the other tabs had a moment to answer this tab's question (or right away, when alone). */
	readonly ready: Promise<void>;
};

/** How long a tab's first proof waits for the other tabs' nonces. */
export const ASK_NONCES_MS = 50;

/** The nonces of manager `name`, until `closed` aborts; `openChannel` is the tabs' channel (src/tabs/tab-channel.ts). */
export function openNonceStore(name: string, closed: AbortSignal, openChannel: typeof openTabChannel): NonceStore {
	const nonces = new Map<string, string>();
	let answered: () => void = () => {};
	const channel = openChannel(name, base64url(crypto.getRandomValues(new Uint8Array(12))), (message) => {
		if (message.type !== 'nonce') return;
		const {id: origin, reason: nonce} = message;
		if (origin === undefined) {
			for (const [known, value] of nonces) channel.post({type: 'nonce', id: known, reason: value});
		} else {
			nonces.set(origin, nonce!);
			answered();
		}
	});
	closed.addEventListener('abort', () => channel.close(), {once: true});
	const ready = new Promise<void>((resolve) => {
		answered = resolve;
		setTimeout(resolve, ASK_NONCES_MS);
	});
	channel.post({type: 'nonce'});
	const originOf = (url: string | URL) => new URL(String(url), globalThis.document?.baseURI ?? globalThis.location?.href).origin;
	return {
		get: (url) => nonces.get(originOf(url)),
		set(url, nonce) {
			const origin = originOf(url);
			if (nonces.get(origin) === nonce) return;
			nonces.set(origin, nonce);
			channel.post({type: 'nonce', id: origin, reason: nonce});
		},
		ready,
	};
}
