// The token client: one import() (load-token-client.ts) brings all of this; DEVELOPERS.md,
// "What loads when", says why these belong together.
export {refresh} from './refresh-flow.js';
export {parseTokenResponse} from '../tokens/token-set.js';
export {replaceRecord, holdRecord} from '../storage/idb-writes.js';
export {decodeRecord, rememberEnded} from '../storage/record-codec.js';
export {revokeAtLogout} from './revoke-at-logout.js';
export {startSession} from '../core/session-start.js';
export {resync} from '../core/resync.js';
export {joinStoredLogin} from '../tabs/join-stored-login.js';
export {loadDpop} from '../dpop/load-dpop.js';
