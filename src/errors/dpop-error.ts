import {TokenBatonError} from './token-baton-error.js';

/**
 * What went wrong with DPoP (RFC 9449): `'off'` (`createDpopProof` without the `dpop` option),
 * `'unsupported'` (no WebCrypto: insecure http pages, old browsers), `'no-key'` (this tab cannot
 * find the session's key, such as a session kept in another tab's memory) or `'not-bound'` (a
 * token response whose `token_type` is not `DPoP` while `dpop` is on).
 */
export type DpopProblem = 'off' | 'unsupported' | 'no-key' | 'not-bound';

/** DPoP could not be used. Nothing stored changes. */
export class DpopError extends TokenBatonError {
	declare readonly code: 'ERR_DPOP';
	/** `'DpopError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'DpopError';
	/** Always `'DpopError'`, also in minified bundles. */
	declare readonly name: 'DpopError';

	/** What went wrong; also the message. */
	declare readonly problem: DpopProblem;
}
