/**
 * token-baton: OAuth token lifecycle for single-page apps. `createTokenManager` is the entry
 * point; `token-baton/ky` adds `withAuth` for ky.
 *
 * @packageDocumentation
 */
export {createTokenManager} from './core/create-token-manager.js';
export {TokenManager} from './core/token-manager.js';
export type {AuthState, SessionInfo} from './types/session.js';
export {TokenBatonError, type ErrorCode} from './errors/token-baton-error.js';
export {SignedOutError} from './errors/signed-out-error.js';
export {OAuthError} from './errors/oauth-error.js';
export {TransientRefreshError, type TransientReason} from './errors/transient-refresh-error.js';
export {InvalidResponseError} from './errors/invalid-response-error.js';
export {LockTimeoutError} from './errors/lock-timeout-error.js';
export {RefreshFailedError} from './errors/refresh-failed-error.js';
export {RevocationError} from './errors/revocation-error.js';
export {InvalidOptionError} from './errors/invalid-option-error.js';
export {StorageError, type StorageProblem} from './errors/storage-error.js';
export type {TokenManagerOptions} from './types/options.js';
export type {TokenResponse, RefreshFunction, RefreshContext} from './types/tokens.js';
export type {
	TokenManagerEvents,
	TokenManagerEventName,
	Listener,
	SignedOutReason,
	TokenSource,
	WarningCode,
} from './types/events.js';
export {DpopError, type DpopProblem} from './errors/dpop-error.js';
export type {DpopProofOptions} from './dpop/dpop-client.js';
