import type {Envelope, TabMessage} from './messages.js';
import type {TabChannel} from './tab-channel.js';

/**
 * broadcast-channel's transports (IndexedDB, localStorage) write every message to storage,
 * so only notices travel here: never a token.
 */
export async function openStorageBackedChannel(channelName: string, receive: (data: unknown) => void, envelope: (message: TabMessage) => Envelope): Promise<TabChannel> {
	const {BroadcastChannel: FallbackChannel} = await import('broadcast-channel');
	const channel = new FallbackChannel<unknown>(channelName);
	channel.onmessage = receive;
	let closed = false;
	return {
		carriesTokens: false,
		post(message) {
			const notice = withoutTokens(message);
			if (notice && !closed) void channel.postMessage(envelope(notice)).catch(() => {});
		},
		close() {
			closed = true;
			void channel.close();
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
