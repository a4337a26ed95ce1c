import {TokenBatonError} from './token-baton-error.js';

/** `createTokenManager` was given an option it cannot work with. `option` names it. */
export class InvalidOptionError extends TokenBatonError {
	declare readonly code: 'ERR_INVALID_OPTION';
	/** `'InvalidOptionError'`: its name, spelled out (minifiers rename classes), and what `instanceof` checks. */
	static override readonly brand = 'InvalidOptionError';
	/** Always `'InvalidOptionError'`, also in minified bundles. */
	declare readonly name: 'InvalidOptionError';

	/** The name of the offending option, such as `'apiOrigins'`. */
	readonly option: string;

	/** Thrown by `createTokenManager`; `problem` completes the sentence "option X …". */
	constructor(option: string, problem: string) {
		super('ERR_INVALID_OPTION', `token-baton: option "${option}" ${problem}`);
		this.option = option;
	}
}
