/**
 * Bundle sizes of token-baton and the peers, all measured by bench/size.ts's `measureBundle`
 * (esbuild, browser, ESM, minified, code splitting on), in one run. token-baton is measured
 * as published: its dist/, which bench/run.mjs builds first (the package test measures the
 * packed tarball the same way).
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {DPOP_BUDGET, LOGIN_BUDGET, measureBundle, SIZE_BUDGET, type BundleSize} from '../size.js';

export type SizeEntry = {
	label: string;
	/** What the app imports. */
	code: string;
	/** Package versions that went into the bundle. */
	versions: string;
	size: BundleSize | undefined;
	error: string | undefined;
	note: string | undefined;
};

type Subject = {label: string; code: string; resolveDir: 'root' | 'bench'; packages: string[]; external?: string[]; note?: string};

const SUBJECTS: Subject[] = [
	{
		label: 'token-baton',
		code: "import {createTokenManager} from './dist/index.js';\nglobalThis.__bench = createTokenManager;",
		resolveDir: 'root',
		packages: ['idb-keyval'],
	},
	{
		label: 'token-baton/ky',
		code: "import {withAuth} from './dist/ky.js';\nglobalThis.__bench = withAuth;",
		resolveDir: 'root',
		packages: [],
		external: ['ky'],
		note: 'withAuth alone, on top of token-baton; ky external (the app\'s own)',
	},
	{
		label: 'token-baton/react',
		code: "import {AuthProvider, useAuth} from './dist/react.js';\nglobalThis.__bench = [AuthProvider, useAuth];",
		resolveDir: 'root',
		packages: [],
		external: ['react'],
		note: 'useAuth and AuthProvider alone, on top of token-baton; react external (the app\'s own)',
	},
	{
		label: 'token-baton/vue',
		code: "import {provideAuth, useAuth} from './dist/vue.js';\nglobalThis.__bench = [provideAuth, useAuth];",
		resolveDir: 'root',
		packages: [],
		external: ['vue'],
		note: 'useAuth and provideAuth alone, on top of token-baton; vue external (the app\'s own)',
	},
	{
		label: 'token-baton + token-baton/ky',
		code: "import {createTokenManager} from './dist/index.js';\nimport {withAuth} from './dist/ky.js';\nglobalThis.__bench = [createTokenManager, withAuth];",
		resolveDir: 'root',
		packages: ['idb-keyval'],
		external: ['ky'],
		note: 'ky external',
	},
	{
		label: 'token-baton/login',
		code: "import {createLogin} from './dist/login.js';\nglobalThis.__bench = createLogin;",
		resolveDir: 'root',
		packages: ['oauth4webapi'],
		note: 'createLogin alone, oauth4webapi included; an app loads it on its login and callback pages',
	},
	{
		label: 'token-baton + token-baton/login',
		code: "import {createTokenManager} from './dist/index.js';\nimport {createLogin} from './dist/login.js';\nglobalThis.__bench = [createTokenManager, createLogin];",
		resolveDir: 'root',
		packages: ['idb-keyval', 'oauth4webapi'],
		note: 'a callback page that imports both',
	},
	{label: '@auth0/auth0-spa-js', code: "import {Auth0Client} from '@auth0/auth0-spa-js';\nglobalThis.__bench = Auth0Client;", resolveDir: 'bench', packages: ['@auth0/auth0-spa-js']},
	{label: 'oidc-client-ts', code: "import {UserManager} from 'oidc-client-ts';\nglobalThis.__bench = UserManager;", resolveDir: 'bench', packages: ['oidc-client-ts']},
	{label: '@okta/okta-auth-js', code: "import {OktaAuth} from '@okta/okta-auth-js';\nglobalThis.__bench = OktaAuth;", resolveDir: 'bench', packages: ['@okta/okta-auth-js']},
	{label: '@azure/msal-browser', code: "import {PublicClientApplication} from '@azure/msal-browser';\nglobalThis.__bench = PublicClientApplication;", resolveDir: 'bench', packages: ['@azure/msal-browser']},
	{label: '@supabase/auth-js', code: "import {GoTrueClient} from '@supabase/auth-js';\nglobalThis.__bench = GoTrueClient;", resolveDir: 'bench', packages: ['@supabase/auth-js']},
	{
		label: 'axios + axios-auth-refresh',
		code: "import axios from 'axios';\nimport createAuthRefreshInterceptor from 'axios-auth-refresh';\nglobalThis.__bench = [axios, createAuthRefreshInterceptor];",
		resolveDir: 'bench',
		packages: ['axios', 'axios-auth-refresh'],
	},
];

function versionOf(root: string, from: 'root' | 'bench', name: string): string {
	const dirs = from === 'root' ? [root] : [join(root, 'bench'), root];
	for (const dir of dirs) {
		try {
			const json = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {version?: string};
			if (json.version) return `${name}@${json.version}`;
		} catch {
			// Not installed here; try the next directory.
		}
	}

	return `${name} (not installed)`;
}

function engineNote(root: string, name: string): string | undefined {
	try {
		const json = JSON.parse(readFileSync(join(root, 'bench', 'node_modules', name, 'package.json'), 'utf8')) as {engines?: {node?: string}};
		const node = json.engines?.node;
		if (node && /^>=\s*2[1-9]/.test(node)) return `declares engines.node "${node}": npm warns EBADENGINE on Node 20; installs and bundles`;
	} catch {
		// No package.json: reported as not installed elsewhere.
	}

	return undefined;
}

export async function measureSizes(root: string): Promise<SizeEntry[]> {
	const rootVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}).version;
	const entries: SizeEntry[] = [];
	for (const subject of SUBJECTS) {
		const versions = subject.resolveDir === 'root'
			? [`token-baton@${rootVersion} (dist/, built by this run)`, ...subject.packages.map((name) => versionOf(root, 'root', name))].join(', ')
			: subject.packages.map((name) => versionOf(root, 'bench', name)).join(', ');
		const notes = [subject.note, ...subject.packages.map((name) => subject.resolveDir === 'bench' ? engineNote(root, name) : undefined)]
			.filter((note): note is string => note !== undefined);
		const entry: SizeEntry = {label: subject.label, code: subject.code, versions, size: undefined, error: undefined, note: notes.length > 0 ? notes.join('; ') : undefined};
		try {
			entry.size = await measureBundle(subject.code, {
				resolveDir: subject.resolveDir === 'root' ? root : join(root, 'bench'),
				external: subject.external ?? [],
			});
		} catch (error) {
			entry.error = (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 3).join(' ').slice(0, 300);
		}

		entries.push(entry);
	}

	return entries;
}

export {DPOP_BUDGET, LOGIN_BUDGET, SIZE_BUDGET};
