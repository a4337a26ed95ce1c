// What a tab needs only once it talks to the token endpoint, loaded with one import()
// (loadTokenClient in refresh-runner.ts; DEVELOPERS.md, "What loads when").
export {refresh} from './refresh-flow.js';
export {parseTokenResponse} from '../tokens/token-set.js';
export {replaceRecord, holdRecord} from '../storage/idb-writes.js';
export {revokeRefreshToken} from './revoke.js';
