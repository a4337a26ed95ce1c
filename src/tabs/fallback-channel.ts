import {BroadcastChannel as FallbackChannel} from 'broadcast-channel';
import type {Envelope, TabMessage} from './messages.js';
import type {TabChannel} from './tab-channel.js';

/**
 * Where there is no native BroadcastChannel: the broadcast-channel package, which picks
 * IndexedDB (polled) and then localStorage `storage` events by itself, so tabs keep hearing
 * each other where localStorage throws. Both write every message to disk, so only notices
 * travel here: never a token. Where neither works, tabs simply do not hear each other.
 */
export async function openFallbackChannel(channelName: string, receive: (data: unknown) => void, envelope: (message: TabMessage) => Envelope): Promise<TabChannel> {
	let channel: FallbackChannel<unknown> | undefined;
	try {
		// The package would take an IndexedDB that fails to open and reject where no one can catch it.
		channel = new FallbackChannel<unknown>(channelName, await opensIndexedDb(`${channelName}:probe`) ? undefined : {type: 'localstorage'});
		channel.onmessage = receive;
	} catch {
		// No usable method (no IndexedDB and a throwing localStorage): nothing to send or hear.
	}

	return {
		carriesTokens: false,
		post(message) {
			const notice = withoutTokens(message);
			if (!notice || !channel || channel.isClosed) return;
			channel.postMessage(envelope(notice)).catch(() => {});
		},
		close() {
			if (channel && !channel.isClosed) channel.close().catch(() => {});
		},
	};
}

/**
 * Whether IndexedDB opens a database here (it may exist and still fail: storage blocked,
 * some private modes). The probe's upgrade is aborted, so it leaves no database behind.
 */
async function opensIndexedDb(name: string): Promise<boolean> {
	return new Promise((resolve) => {
		try {
			const request = indexedDB.open(name);
			request.onupgradeneeded = () => request.transaction?.abort();
			request.onsuccess = () => {
				request.result.close();
				resolve(true);
			};

			// Aborted by us: it did open. WebKit still lists the aborted database, so delete it too.
			request.onerror = () => {
				const opened = request.error?.name === 'AbortError';
				if (opened) indexedDB.deleteDatabase(name);
				resolve(opened);
			};
		} catch {
			resolve(false);
		}
	});
}

/** The part of a message that may be written to storage, or undefined when nothing is left. */
function withoutTokens(message: TabMessage): TabMessage | undefined {
	switch (message.type) {
		case 'tokens': {
			return {type: 'tokens', login: message.login, gen: message.gen};
		}

		case 'signed-out':
		case 'memory-only': {
			return message;
		}

		default: {
			// Requests for tokens are pointless where no token may be sent back.
			return undefined;
		}
	}
}
