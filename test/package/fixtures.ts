/**
 * The files of the throwaway consumer app that test/package/consumer.test.ts installs the
 * packed tarball into. They are strings rather than files in the repo so that the repo's own
 * type-check (tsconfig.test.json) never tries to resolve `token-baton` against itself.
 */

/** Every runtime export, ESM and CJS alike. A new export is a deliberate change: add it here. */
export const CORE_EXPORTS = [
	'DpopError',
	'InvalidOptionError',
	'InvalidResponseError',
	'LockTimeoutError',
	'OAuthError',
	'RefreshFailedError',
	'RevocationError',
	'SignedOutError',
	'StorageError',
	'TokenBatonError',
	'TokenManager',
	'TransientRefreshError',
	'createTokenManager',
] as const;

export const KY_EXPORTS = ['NONCE_RETRY_CODE', 'RETRY_CODE', 'withAuth'] as const;

export const LOGIN_EXPORTS = ['LoginError', 'createLogin'] as const;

/** What the runtime scripts print as their last line. */
export type RuntimeReport = {
	window: string;
	document: string;
	core: string[];
	ky: string[];
	login: string[];
	signedOutIsBaton: boolean;
	/** A LoginError is a TokenBatonError of the core entry: one class across the entries. */
	loginErrorIsBaton: boolean;
	/** `handleCallback()` with no page to read: nothing to do, no `window` touched. */
	callbackInNode: string;
	signedOutCode: string;
	stateAfterReady: string;
};

/**
 * Loads every entry point the way a Node app (or an SSR render) does, with no `window`, no
 * `document` and no IndexedDB, then creates a manager and a login, waits for `ready` and
 * destroys the manager. The process must then exit by itself: `destroy()` leaves no timer,
 * channel or listener, and a login fetches nothing until it is used.
 */
export function runtimeScript(format: 'esm' | 'cjs'): string {
	const load =
		format === 'esm'
			? `import * as core from 'token-baton';\nimport * as kyEntry from 'token-baton/ky';\nimport * as loginEntry from 'token-baton/login';`
			: `const core = require('token-baton');\nconst kyEntry = require('token-baton/ky');\nconst loginEntry = require('token-baton/login');`;
	return `${load}

async function main() {
	const report = {
		window: typeof window,
		document: typeof document,
		core: Object.keys(core).filter((key) => key !== 'default' && key !== '__esModule').sort(),
		ky: Object.keys(kyEntry).filter((key) => key !== 'default' && key !== '__esModule').sort(),
		login: Object.keys(loginEntry).filter((key) => key !== 'default' && key !== '__esModule').sort(),
		signedOutIsBaton: new core.SignedOutError() instanceof core.TokenBatonError,
		loginErrorIsBaton: new loginEntry.LoginError('access_denied', 'x') instanceof core.TokenBatonError,
		signedOutCode: new core.SignedOutError().code,
	};
	const auth = core.createTokenManager({refresh: async () => ({access_token: 'a'})});
	const login = loginEntry.createLogin(auth, {issuer: 'https://auth.example.com', clientId: 'my-spa', redirectUri: 'https://app.example.com/callback'});
	report.callbackInNode = String(await login.handleCallback());
	await auth.ready;
	report.stateAfterReady = auth.state;
	auth.destroy();
	console.log(JSON.stringify(report));
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
`;
}

/**
 * token-baton/ky with the real ky (linked into a sub-folder of the app, so that the app
 * itself stays without ky): a 401 for the first token is retried once with the next one.
 */
export const WITH_KY_SCRIPT = `import {createServer} from 'node:http';
import ky from 'ky';
import {withAuth} from 'token-baton/ky';

const seen = [];
const server = createServer((request, response) => {
	seen.push(request.headers.authorization ?? null);
	const ok = request.headers.authorization === 'Bearer second';
	response.writeHead(ok ? 200 : 401, {'content-type': 'application/json'});
	response.end(JSON.stringify({ok}));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = 'http://127.0.0.1:' + server.address().port;
const auth = {
	isAllowedUrl: (url) => new URL(String(url)).origin === origin,
	getAccessToken: async (options = {}) => (options.rejectedToken === 'first' ? 'second' : 'first'),
};
try {
	const body = await withAuth(auth, ky).get(origin + '/me', {retry: {limit: 2}}).json();
	console.log(JSON.stringify({body, seen}));
} finally {
	server.close();
}
`;

/** The public error classes; a minified bundle must not rename what `error.name` says. */
export const ERROR_CLASS_NAMES = ['TokenBatonError', 'SignedOutError', 'OAuthError', 'TransientRefreshError', 'InvalidResponseError', 'LockTimeoutError', 'InvalidOptionError', 'StorageError', 'RefreshFailedError', 'RevocationError', 'LoginError', 'DpopError'];

/** Prints the `name` of an instance of each error class, in ERROR_CLASS_NAMES's order. */
export const ERROR_NAMES_SCRIPT = `import * as baton from 'token-baton';
import {LoginError} from 'token-baton/login';
const errors = [
	new baton.TokenBatonError('ERR_SIGNED_OUT', 'x'),
	new baton.SignedOutError(),
	new baton.OAuthError('invalid_grant'),
	new baton.TransientRefreshError('network', 'x'),
	new baton.InvalidResponseError('x'),
	new baton.LockTimeoutError('lock', 1),
	new baton.InvalidOptionError('name', 'x'),
	new baton.StorageError('corrupt'),
	new baton.RefreshFailedError({cause: new TypeError('x')}),
	new baton.RevocationError({status: 500}),
	new LoginError('access_denied', 'x'),
	new baton.DpopError('ERR_DPOP', 'off'),
];
console.log(JSON.stringify(errors.map((error) => error.name)));
`;

/** A browser app for esbuild: every entry point, no ky installed. */
export const BROWSER_ENTRY = `import {createTokenManager, SignedOutError} from 'token-baton';
import {withAuth} from 'token-baton/ky';
import {createLogin} from 'token-baton/login';

export const auth = createTokenManager({
	tokenEndpoint: 'https://auth.example.com/oauth/token',
	clientId: 'my-spa',
	apiOrigins: ['https://api.example.com'],
});
export const login = createLogin(auth, {issuer: 'https://auth.example.com', clientId: 'my-spa', redirectUri: 'https://app.example.com/callback'});
export {SignedOutError, withAuth};
`;

/**
 * A consumer that touches every public export, type ones included. The same source is
 * checked as .ts (bundler, node10), .mts and .cts (node16, nodenext). The `@ts-expect-error`
 * lines fail the check if a type ever degrades to `any`.
 */
export const TYPE_CONSUMER = `import {
	createTokenManager,
	DpopError,
	InvalidOptionError,
	InvalidResponseError,
	LockTimeoutError,
	OAuthError,
	RefreshFailedError,
	RevocationError,
	SignedOutError,
	StorageError,
	TokenBatonError,
	TokenManager,
	TransientRefreshError,
	type AuthState,
	type DpopProblem,
	type DpopProofOptions,
	type ErrorCode,
	type Listener,
	type RefreshContext,
	type RefreshFunction,
	type SessionInfo,
	type SignedOutReason,
	type StorageProblem,
	type TokenManagerEventName,
	type TokenManagerEvents,
	type TokenManagerOptions,
	type TokenResponse,
	type TokenSource,
	type TransientReason,
	type WarningCode,
} from 'token-baton';
import {NONCE_RETRY_CODE, RETRY_CODE, withAuth, type KyAuth, type KyHook, type KyLike} from 'token-baton/ky';
import {
	createLogin,
	LoginError,
	type AuthorizationParams,
	type CallbackResult,
	type Login,
	type LoginAuth,
	type LoginErrorCode,
	type LoginOptions,
	type LogoutOptions,
	type RedirectOptions,
} from 'token-baton/login';

const refresh: RefreshFunction = async (refreshToken: string, context: RefreshContext) => {
	const response = await fetch('https://auth.example.com/oauth/token', {
		method: 'POST',
		body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: refreshToken}),
		signal: context.signal,
	});
	const json = (await response.json()) as TokenResponse;
	return json;
};

const options: TokenManagerOptions = {refresh, apiOrigins: ['https://api.example.com'], name: 'consumer'};
const auth: TokenManager = createTokenManager(options);
const state: AuthState = auth.state;
const session: SessionInfo | undefined = auth.session;
const eventName: TokenManagerEventName = 'signed-in';
const onWarning: Listener<'warning'> = (event) => {
	const code: WarningCode = event.code;
	return code;
};
auth.on('warning', onWarning);
auth.on('token', (event: TokenManagerEvents['token']) => {
	const source: TokenSource = event.source;
	return source;
});
const off: () => void = auth.on('signed-out', (event) => {
	const reason: SignedOutReason = event.reason;
	return reason;
});
auth.on('state', (event: TokenManagerEvents['state']) => {
	const next: AuthState = event.state;
	return next;
});
auth.on('session', ({session: next}) => {
	const shown: SessionInfo | undefined = next;
	return shown?.expiresAt;
});

function describeError(error: unknown): string {
	if (error instanceof SignedOutError) return error.code;
	if (error instanceof OAuthError) return error.error + (error.errorDescription ?? '');
	if (error instanceof TransientRefreshError) {
		const reason: TransientReason = error.reason;
		return reason + String(error.retryAt ?? '');
	}
	if (error instanceof StorageError) {
		const problem: StorageProblem = error.problem;
		return problem;
	}
	if (error instanceof InvalidOptionError) return error.option;
	if (error instanceof InvalidResponseError || error instanceof LockTimeoutError) return error.message;
	if (error instanceof RefreshFailedError) return String(error.cause);
	if (error instanceof RevocationError) return String(error.status);
	if (error instanceof DpopError) {
		const problem: DpopProblem = error.problem;
		return problem;
	}
	if (error instanceof TokenBatonError) {
		const code: ErrorCode = error.code;
		return code;
	}
	return 'unknown';
}

async function use(): Promise<string> {
	await auth.ready;
	try {
		const token: string = await auth.getAccessToken();
		const again: string = await auth.getAccessToken({rejectedToken: token, signal: AbortSignal.timeout(1000)});
		const response: Response = await auth.fetch('https://api.example.com/me', {headers: {accept: 'application/json'}});
		const allowed: boolean = auth.isAllowedUrl(new URL('https://api.example.com/me'));
		return again + String(response.status) + String(allowed);
	} catch (error) {
		return describeError(error);
	} finally {
		await auth.logout();
		auth.destroy();
	}
}

// withAuth with a structural stand-in for a ky instance: ky itself is not installed in this app.
type Instance = {get(url: string): Promise<Response>};
declare const kyInstance: KyLike<Instance, {retry: true}>;
const kyAuth: KyAuth = auth;
const api: Instance = withAuth(kyAuth, kyInstance);
const retryCode: string = RETRY_CODE + NONCE_RETRY_CODE;

// DPoP (RFC 9449): the option, and a proof for the app's own code exchange.
const dpopAuth: TokenManager = createTokenManager({tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 'my-spa', dpop: true});
const proofOptions: DpopProofOptions = {nonce: 'n-1', accessToken: 'at'};
const proof: Promise<string> = dpopAuth.createDpopProof('POST', new URL('https://auth.example.com/oauth/token'), proofOptions);
// @ts-expect-error dpop is a boolean
createTokenManager({refresh, dpop: 'yes'});
const hook: KyHook<void> = async () => undefined;

const params: AuthorizationParams = {audience: 'https://api.example.com', resource: ['https://a.example.com/', 'https://b.example.com/']};
const loginOptions: LoginOptions = {issuer: 'https://auth.example.com', clientId: 'my-spa', redirectUri: 'https://app.example.com/callback', params};
const loginAuth: LoginAuth = auth;
const login: Login = createLogin(loginAuth, loginOptions);

async function signIn(): Promise<string> {
	const redirect: RedirectOptions = {returnTo: '/orders', params: {prompt: 'login'}};
	const logoutOptions: LogoutOptions = {postLogoutRedirectUri: 'https://app.example.com/'};
	try {
		const result: CallbackResult | undefined = await login.handleCallback();
		if (result === undefined) await login.redirect(redirect);
		else await login.logout(logoutOptions);
		return result?.returnTo ?? '/';
	} catch (error) {
		if (!(error instanceof LoginError)) throw error;
		const code: LoginErrorCode = error.code;
		const base: TokenBatonError = error;
		return code + String(error.error) + String(error.errorDescription) + String(error.status) + base.message;
	}
}

// @ts-expect-error clientId is a string
createTokenManager({tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 42});
// @ts-expect-error each class's code is its own literal
const wrongCode: OAuthError['code'] = 'ERR_SIGNED_OUT';
// @ts-expect-error redirectUri is required
createLogin(auth, {issuer: 'https://auth.example.com', clientId: 'my-spa'});
// @ts-expect-error there is no such event
auth.on('no-such-event', () => undefined);
// @ts-expect-error a ky instance has extend() and retry()
withAuth(auth, {});

export {api, eventName, hook, off, retryCode, session, signIn, state, use, wrongCode};
`;

/** A consumer of the core alone: it must type-check with ky absent and token-baton/ky unused. */
export const CORE_ONLY_CONSUMER = `import {createTokenManager, SignedOutError} from 'token-baton';

export const auth = createTokenManager({tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 'my-spa'});
export async function token(): Promise<string | undefined> {
	try {
		return await auth.getAccessToken();
	} catch (error) {
		if (error instanceof SignedOutError) return undefined;
		throw error;
	}
}
`;

/**
 * Fragments in README.md may use these names without defining them. Keep this list short
 * and obvious: it is the only context a README block gets besides its own imports.
 */
export const README_PRELUDE = `// Names README.md fragments use without defining them (see test/package/fixtures.ts).
declare const code: string;
declare const code_verifier: string;
declare const redirect_uri: string;
declare const order: {sku: string; qty: number};
declare function showLogin(reason?: string): void;
declare function startLogin(): void; // the app's login redirect
`;

/** The compiler options every type-check in the app shares: a strict browser app. */
const strictBrowser = {
	strict: true,
	noEmit: true,
	skipLibCheck: false,
	target: 'ES2022',
	lib: ['ES2022', 'DOM', 'DOM.Iterable'],
	types: [],
};

export type TypeCheckConfig = {name: string; compilerOptions: Record<string, unknown>; files: string[]};

/** One tsc run per resolution mode; ESM and CJS consumers where the mode tells them apart. */
export const TYPE_CHECK_CONFIGS: TypeCheckConfig[] = [
	{
		name: 'bundler',
		compilerOptions: {...strictBrowser, module: 'ESNext', moduleResolution: 'bundler', exactOptionalPropertyTypes: true},
		files: ['types/consumer.ts', 'types/core-only.ts'],
	},
	{
		name: 'node16',
		compilerOptions: {...strictBrowser, module: 'Node16', moduleResolution: 'node16'},
		files: ['types/consumer.mts', 'types/consumer.cts', 'types/core-only.mts'],
	},
	{
		name: 'nodenext',
		compilerOptions: {...strictBrowser, module: 'NodeNext', moduleResolution: 'nodenext'},
		files: ['types/consumer.mts', 'types/consumer.cts', 'types/core-only.cts'],
	},
	{
		// TypeScript's pre-exports resolution (`"moduleResolution": "node"`), still common in older apps.
		name: 'node10',
		compilerOptions: {...strictBrowser, module: 'CommonJS', moduleResolution: 'node10'},
		files: ['types/consumer.ts'],
	},
];

/** README blocks: checked like an app's own code; ky's, React's and Vue's types come from the linked packages. */
export const README_CONFIG = {
	compilerOptions: {
		strict: true,
		noEmit: true,
		// Only the README's code is under test here; ky's and the DOM's declarations are theirs.
		skipLibCheck: true,
		target: 'ES2022',
		lib: ['ES2022', 'DOM', 'DOM.Iterable'],
		types: [],
		module: 'ESNext',
		moduleResolution: 'bundler',
		// ```tsx blocks: React's automatic runtime, as Vite and Next.js compile JSX.
		jsx: 'react-jsx',
	},
	include: ['*.ts', '*.tsx'],
};
