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
 * exists; otherwise the broadcast-channel package over IndexedDB or localStorage
 * (fallback-channel.ts, loaded only then) with tokens stripped from every message.
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

	return openFallbackChannel(channelName, receive, envelope);
}

/** The fallback transport (the broadcast-channel package), imported only where there is no native BroadcastChannel. */
function openFallbackChannel(channelName: string, receive: (data: unknown) => void, envelope: (message: TabMessage) => Envelope): TabChannel {
	const loading = import('./fallback-channel.js').then((module) => module.openFallbackChannel(channelName, receive, envelope));
	// Its code may fail to load (offline): tabs then simply do not hear each other.
	const use = (action: (channel: TabChannel) => void) => void loading.then(action, () => {});
	return {
		carriesTokens: false,
		post: (message) => use((channel) => channel.post(message)),
		close: () => use((channel) => channel.close()),
	};
}
