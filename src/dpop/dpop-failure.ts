import {DpopError, type DpopProblem} from '../errors/dpop-error.js';

/**
 * A `DpopError` of `problem`. Apart from the class, which loads at start with every error
 * class (index.ts exports it): this runs only where DPoP is used, so it stays out of the start.
 */
export function dpopError(problem: DpopProblem, cause?: unknown): DpopError {
	return Object.assign(new DpopError('ERR_DPOP', problem, {cause}), {problem});
}
