import type {Session} from '../core/session.js';
import type {SessionControl} from '../core/session-control.js';
import {adoptsShared} from '../policy/adopt-shared.js';
import {isUsable} from '../policy/schedule.js';
import {loadTokenClient} from '../refresh/load-token-client.js';
import type {Generation} from '../storage/stored-session.js';
import {randomId} from '../utils/random-id.js';
import {sharedTokens, type SharedTokens, type TabMessage} from './messages.js';
import {openTabChannel} from './tab-channel.js';

export type Answer = Extract<TabMessage, {type: 'token-response'}>;

/**
 * Everything between the open tabs of one manager name: logins, rotations and sign-outs
 * announced and adopted, and tokens handed to a tab that asks (ask-tabs.ts), all without a
 * request. Over a storage-backed channel no token may travel: logins arrive as notices (the
 * session is then read from storage) and nobody asks.
 */
export type TabExchange = {
	/** False over a storage-backed channel: no token travels, so asking is pointless. */
	readonly carriesTokens: boolean;
	/** Ask the other tabs for their token, under question `id`. */
	request(id: string): void;
	/**
	 * Hear every answer to a question (`answer`), and every change of this tab's tokens
	 * (undefined), until the returned function is called.
	 */
	watch(listener: (answer: Answer | undefined) => void): () => void;
	/** Take tokens another tab sent, if they are newer than this tab's (src/policy/adopt-shared.ts decides). */
	adopt(gen: Generation, tokens: SharedTokens): void;
	/** This tab's new tokens, for the other tabs: after a login here (`login`) or a refresh. */
	shareTokens(session: Session, login: boolean): void;
	/** The session ended here: sign the other tabs out. */
	signedOut(reason: string): void;
	/** This tab could not write to IndexedDB: the others keep the session in memory too. */
	memoryOnly(): void;
	/** New tokens were taken: whoever watches looks again. */
	tokensChanged(): void;
	close(): void;
};

/** Opens the channel of `control.options.name` and takes part in the exchange until closed. */
export function openTabExchange(control: SessionControl): TabExchange {
	const watchers = new Set<(answer: Answer | undefined) => void>();
	const tell = (answer?: Answer) => {
		for (const watcher of [...watchers]) watcher(answer);
	};

	const adoptShared = (gen: Generation, tokens: SharedTokens) => {
		const session = control.session();
		if (adoptsShared(session, gen, tokens)) {
			control.takeTokens(gen, {refreshToken: tokens.refreshToken ?? session.refreshToken, refreshExpiresAt: tokens.refreshExpiresAt}, tokens, 'tab');
		}
	};

	const adoptLogin = (gen: Generation, tokens: SharedTokens | undefined) => {
		if (control.session()?.gen.sid === gen.sid) return;
		// Over a storage-backed channel a login carries no tokens: the session is read from storage.
		if (tokens) control.signIn(gen, tokens, tokens, 'tab');
		else void loadTokenClient().then((client) => client.joinStoredLogin(control, gen), () => {});
	};

	const onMessage = (message: TabMessage) => {
		// While loading, only what decides the start: a login or a logout elsewhere.
		if (control.alive.aborted || control.state() === 'loading' && message.type !== 'tokens' && message.type !== 'signed-out') return;
		switch (message.type) {
			case 'tokens': {
				if (message.login) adoptLogin(message.gen, message.tokens);
				else if (message.tokens) adoptShared(message.gen, message.tokens);
				break;
			}

			case 'signed-out': {
				// Also while loading: what the other tab just removed must not be restored here.
				control.signOut(message.reason);
				break;
			}

			case 'token-request': {
				const session = control.session();
				if (session && isUsable(session, Date.now())) channel.post({type: 'token-response', id: message.id, gen: session.gen, tokens: sharedTokens(session)});
				break;
			}

			case 'token-response': {
				tell(message);
				break;
			}

			case 'memory-only': {
				control.repository.useMemory('IndexedDB failed');
				break;
			}
		}
	};

	const channel = openTabChannel(control.options.name, randomId(), onMessage);
	return {
		carriesTokens: channel.carriesTokens,
		request: (id) => channel.post({type: 'token-request', id}),
		watch(listener) {
			watchers.add(listener);
			return () => watchers.delete(listener);
		},
		adopt: adoptShared,
		shareTokens: (session, login) => channel.post({type: 'tokens', login, gen: session.gen, tokens: sharedTokens(session)}),
		signedOut: (reason) => channel.post({type: 'signed-out', reason}),
		memoryOnly: () => channel.post({type: 'memory-only'}),
		tokensChanged: () => tell(),
		close: () => channel.close(),
	};
}
