/**
 * oauth4webapi's errors, turned into `LoginError`s with a stable code. Its own error classes and
 * codes are an implementation detail of this entry: apps branch on `LoginError.code` only.
 */
import {
	AuthorizationResponseError,
	JWT_CLAIM_COMPARISON,
	JWT_TIMESTAMP_CHECK,
	OperationProcessingError,
	ResponseBodyError,
	UnsupportedOperationError,
	WWWAuthenticateChallengeError,
} from 'oauth4webapi';
import {LoginError} from '../errors/login-error.js';

/**
 * An error from `validateAuthResponse`, after `state` and `iss` were checked here: the
 * server's `error` redirect, or a malformed response.
 */
export function toAuthResponseError(error: unknown): LoginError {
	if (error instanceof AuthorizationResponseError) {
		return new LoginError(error.error, 'the authorization server answered with an error', {error: error.error, description: error.error_description});
	}

	return new LoginError('invalid_response', error instanceof Error ? error.message : 'malformed authorization response', {cause: error});
}

/**
 * An error from processing the token endpoint's response. What concerns the ID token is
 * `invalid_id_token`; everything else (an OAuth error, a malformed response, an unsupported
 * token type) is `exchange_failed`.
 */
export function toExchangeError(error: unknown): LoginError {
	if (error instanceof ResponseBodyError) {
		return new LoginError('exchange_failed', 'the token endpoint refused the code', {error: error.error, description: error.error_description, status: error.status, cause: error});
	}

	if (error instanceof WWWAuthenticateChallengeError) {
		const challenge = error.cause[0];
		const code = challenge?.parameters.error;
		return new LoginError('exchange_failed', 'the token endpoint answered with a challenge', {
			status: error.status,
			cause: error,
			...(code === undefined ? {} : {error: code}),
			...(challenge?.parameters.error_description === undefined ? {} : {description: challenge.parameters.error_description}),
		});
	}

	const message = error instanceof Error ? error.message : String(error);
	if (concernsIdToken(error)) return new LoginError('invalid_id_token', message, {cause: error});
	return new LoginError('exchange_failed', `unusable token response: ${message}`, {cause: error});
}

/**
 * Whether a processing error is about the ID token. The JWT checks either carry a JWT error
 * code, or report the token, its header or its claims as the cause, or name the JWT or the
 * `id_token` property in their message; the checks of the other fields report the whole body.
 * Anything not recognised stays `exchange_failed`, still a `LoginError`.
 */
function concernsIdToken(error: unknown): boolean {
	if (!(error instanceof OperationProcessingError || error instanceof UnsupportedOperationError)) return false;
	if (error instanceof OperationProcessingError && (error.code === JWT_CLAIM_COMPARISON || error.code === JWT_TIMESTAMP_CHECK)) return true;
	const cause: unknown = error.cause;
	return /JWT|"id_token"/.test(error.message) || typeof cause === 'string' || (typeof cause === 'object' && cause !== null && ('claims' in cause || 'header' in cause));
}
