import type {SessionControl} from '../core/session-control.js';
import {dpopError} from './dpop-failure.js';
import type {openTabChannel} from '../tabs/tab-channel.js';
import type {DpopClient} from './dpop-client.js';

/**
 * The DPoP client (src/dpop/dpop-client.ts): its own chunk, loaded only when the `dpop` option
 * is on, through the token client (which a session with DPoP needs anyway), so that the start
 * holds no import() of its own for it. The channel opener comes from the start as an argument:
 * imported here, the tab channel would move out of the start's file into the chunk the start
 * shares with the token client, which compresses worse (DEVELOPERS.md, "What loads when").
 */
export async function loadDpop(control: SessionControl, openChannel: typeof openTabChannel): Promise<DpopClient> {
	return (await import('./dpop-client.js')).default(control, openChannel, dpopError);
}
