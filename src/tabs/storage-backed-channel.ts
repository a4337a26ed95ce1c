import type {Envelope, TabMessage} from './messages.js';
import type {TabChannel} from './tab-channel.js';

/**
 * Where there is no native BroadcastChannel: each message is written to localStorage and
 * removed at once; the other tabs of the origin hear it as a `storage` event. Storage is
 * on disk, so only notices travel here: never a token. Where localStorage is missing or
 * throws (blocked, some private modes, quota), tabs simply do not hear each other.
 */
export function openStorageBackedChannel(channelName: string, receive: (data: unknown) => void, envelope: (message: TabMessage) => Envelope): TabChannel {
	const onStorage = (event: StorageEvent) => {
		// null: the removal that follows every message.
		if (event.key !== channelName || event.newValue === null) return;
		let data: unknown;
		try {
			data = JSON.parse(event.newValue);
		} catch {
			return;
		}

		// Checked there (readMessage): another script of the origin can write this key too.
		receive(data);
	};

	addEventListener('storage', onStorage);
	let closed = false;
	return {
		carriesTokens: false,
		post(message) {
			const notice = withoutTokens(message);
			if (!notice || closed) return;
			try {
				// The nonce makes every write a change: two equal notices in a row both fire an event.
				// (Math.random: uniqueness is all it needs, and the module stays free of shared imports.)
				localStorage.setItem(channelName, JSON.stringify({...envelope(notice), nonce: Math.random()}));
				localStorage.removeItem(channelName);
			} catch {}
		},
		close() {
			closed = true;
			removeEventListener('storage', onStorage);
		},
	};
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
