import {TokenBatonError} from './token-baton-error.js';

/** `createTokenManager` was given an option it cannot work with. `option` names it. */
export class InvalidOptionError extends TokenBatonError {
	readonly option: string;

	constructor(option: string, problem: string) {
		super('ERR_INVALID_OPTION', `token-baton: option "${option}" ${problem}`);
		this.option = option;
	}
}
