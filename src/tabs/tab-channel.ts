import {PROTOCOL, VERSION, readMessage, type Envelope, type TabMessage} from './messages.js';

export type TabChannel = {
	/**
	 * True only over a native BroadcastChannel, which keeps messages in memory. Other
	 * transports write messages to storage, so tokens must not travel over them.
	 */
	readonly carriesTokens: boolean;
	post(message: TabMessage): void;
	close(): void;
};

/**
 * The message bus between the tabs of one manager name. Native BroadcastChannel where it
 * exists; otherwise broadcast-channel (loaded only then) with tokens stripped from every
 * message; nothing at all where neither exists (SSR, old runtimes).
 */
export function openTabChannel(name: string, tabId: string, onMessage: (message: Envelope) => void): TabChannel {
	const channelName = `token-baton:${name}`;
	const receive = (data: unknown) => {
		const message = readMessage(data, tabId);
		if (message) onMessage(message);
	};

	const envelope = (message: TabMessage): Envelope => ({...message, protocol: PROTOCOL, v: VERSION, from: tabId});
	if (typeof BroadcastChannel === 'function') {
		const channel = new BroadcastChannel(channelName);
		channel.onmessage = (event: MessageEvent<unknown>) => receive(event.data);
		return {
			carriesTokens: true,
			post: (message) => channel.postMessage(envelope(message)),
			close: () => channel.close(),
		};
	}

	return openStorageBackedChannel(channelName, receive, envelope);
}

function openStorageBackedChannel(channelName: string, receive: (data: unknown) => void, envelope: (message: TabMessage) => Envelope): TabChannel {
	let closed = false;
	const loading = import('broadcast-channel').then(({BroadcastChannel: FallbackChannel}) => {
		const channel = new FallbackChannel<unknown>(channelName);
		channel.onmessage = receive;
		return channel;
	}).catch(() => undefined);

	return {
		carriesTokens: false,
		post(message) {
			const notice = withoutTokens(message);
			if (!notice) return;
			void loading.then((channel) => {
				if (!closed) void channel?.postMessage(envelope(notice)).catch(() => {});
			});
		},
		close() {
			closed = true;
			void loading.then((channel) => channel?.close());
		},
	};
}

/** The part of a message that may be written to storage, or undefined when nothing is left. */
function withoutTokens(message: TabMessage): TabMessage | undefined {
	switch (message.type) {
		case 'tokens': {
			return {type: 'tokens', login: message.login, gen: message.gen};
		}

		case 'signed-out': {
			return message;
		}

		default: {
			// Requests for tokens are pointless where no token may be sent back.
			return undefined;
		}
	}
}
