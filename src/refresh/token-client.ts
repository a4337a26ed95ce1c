// Everything a tab needs only once it talks to the token endpoint, loaded by the manager
// with one import() at the first login or refresh (see loadTokenClient in token-manager.ts).
export {requestTokens} from './token-request.js';
export {parseTokenResponse} from '../tokens/token-set.js';
export {createRefreshLock} from '../tabs/refresh-lock.js';
export {encodeRecord} from '../storage/record-sealing.js';
