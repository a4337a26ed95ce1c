import {TokenBatonError} from './token-baton-error.js';

/** `createTokenManager` was given an option it cannot work with. `option` names it. */
export class InvalidOptionError extends TokenBatonError {
	/** `ERR_INVALID_OPTION`. */
	static override readonly code = 'ERR_INVALID_OPTION';
	declare readonly code: 'ERR_INVALID_OPTION';
	/** Always `'InvalidOptionError'`, also in minified bundles. */
	override readonly name = 'InvalidOptionError';

	/** The name of the offending option, such as `'apiOrigins'`. */
	readonly option: string;

	/** Thrown by `createTokenManager`; `problem` completes the sentence "option X …". */
	constructor(option: string, problem: string) {
		super(InvalidOptionError.code, `token-baton: option "${option}" ${problem}`);
		this.option = option;
	}
}
