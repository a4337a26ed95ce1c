/**
 * `token-baton/login`: sign in with the authorization code flow and PKCE (S256), built on
 * oauth4webapi, and hand the result to the token manager so that every tab signs in. Its own
 * entry: the core never loads it, and an app loads it on its login and callback pages.
 *
 * @packageDocumentation
 */
export {createLogin, type Login, type LoginAuth, type RedirectOptions, type CallbackResult, type LogoutOptions} from './login/login.js';
export type {LoginOptions, AuthorizationParams} from './login/options.js';
export {LoginError, type LoginErrorCode} from './errors/login-error.js';
