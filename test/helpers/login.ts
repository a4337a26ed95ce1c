import {vi} from 'vitest';
import {createLogin, type Login, type LoginOptions} from '../../src/login.js';
import type {TokenManager} from '../../src/index.js';
import {makeManager} from './managers.js';
import {OP, OP_CLIENT, REDIRECT_URI} from './oidc-server.js';

/** Put the page at `url`, as a navigation would (happy-dom's own setter; no page load). */
export function setPageUrl(url: string): void {
	(window as unknown as {happyDOM: {setURL(url: string): void}}).happyDOM.setURL(url);
}

/** Where the page was sent by `location.assign`, instead of going there. */
export function captureNavigation(): string[] {
	const targets: string[] = [];
	vi.spyOn(window.location, 'assign').mockImplementation((url: string | URL) => {
		targets.push(String(url));
	});
	return targets;
}

/** A manager ("tab") whose token endpoint is the OIDC test server's; destroyed after the test. */
export function makeOidcManager(): TokenManager {
	return makeManager({tokenEndpoint: `${OP}/token`, clientId: OP_CLIENT, revocationEndpoint: `${OP}/revoke`});
}

/** A login for the OIDC test server with the test's redirect URI; `options` win. */
export function makeLogin(auth: TokenManager, options: Partial<LoginOptions> = {}): Login {
	return createLogin(auth, {issuer: OP, clientId: OP_CLIENT, redirectUri: REDIRECT_URI, ...options});
}

/** Everything the page keeps in web storage, as one string: a leak check looks for tokens in it. */
export function webStorageText(): string {
	const dump = (storage: Storage) => Array.from({length: storage.length}, (_, i) => `${storage.key(i)}=${storage.getItem(storage.key(i) ?? '')}`).join('\n');
	return `${dump(sessionStorage)}\n${dump(localStorage)}`;
}
