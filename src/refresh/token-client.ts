// What the manager loads lazily to talk to the token endpoint: one chunk for login and refresh.
export {requestTokens} from './token-request.js';
export {parseTokenResponse} from '../tokens/token-set.js';
