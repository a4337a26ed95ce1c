/**
 * Serves the demo SPA: demo/page/index.html (with the demo's configuration inlined as JSON),
 * its stylesheet, and the esbuild bundle of demo/page/main.ts plus token-baton's src/,
 * built in memory at start the way an app's bundler would (ESM, code splitting, so the
 * fallbacks for pages without Web Locks or a native BroadcastChannel stay lazily loaded chunks).
 */
import {readFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const pageDir = join(here, '..', 'page');
const root = join(here, '..', '..');

/** Bundle the page. Returns file name → {type, text}; the entry is `main.js`. */
export async function buildPage() {
	const result = await build({
		absWorkingDir: root,
		entryPoints: {main: join(pageDir, 'main.ts')},
		bundle: true,
		format: 'esm',
		splitting: true,
		platform: 'browser',
		target: 'es2022',
		outdir: join(root, '.tmp', 'demo-bundle'),
		write: false,
		sourcemap: 'linked',
		logLevel: 'silent',
	});
	const files = new Map();
	for (const file of result.outputFiles) {
		const name = basename(file.path);
		files.set(name, {type: name.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8', text: file.text});
	}

	if (!files.has('main.js')) throw new Error('demo page bundle: main.js missing');
	return files;
}

/**
 * @param {{config: () => object}} options  config() is read on every page load, so tests can
 *   change settings (such as the refresh leeway) between page loads.
 */
export async function createPageServer({config}) {
	const [html, css, files] = await Promise.all([
		readFile(join(pageDir, 'index.html'), 'utf8'),
		readFile(join(pageDir, 'style.css'), 'utf8'),
		buildPage(),
	]);

	const handler = async (request, response) => {
		const url = new URL(request.url ?? '/', 'http://page.invalid');
		request.resume();
		if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'method not allowed');
		if (url.pathname === '/') {
			// `<` escaped so the JSON can never close the script element.
			const inline = JSON.stringify(config()).replace(/</g, '\\u003c');
			return send(response, 200, 'text/html; charset=utf-8', html.replace('__DEMO_CONFIG__', inline), {
				// The page's own script only; connections to the demo's servers (and nothing else).
				'content-security-policy': `default-src 'self'; connect-src 'self' ${config().issuer} ${config().apiOrigin}; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
				'referrer-policy': 'no-referrer',
			});
		}

		if (url.pathname === '/style.css') return send(response, 200, 'text/css; charset=utf-8', css);
		if (url.pathname.startsWith('/app/')) {
			const file = files.get(url.pathname.slice('/app/'.length));
			if (file) return send(response, 200, file.type, file.text);
		}

		if (url.pathname === '/favicon.ico') return send(response, 204, 'image/x-icon', '');
		return send(response, 404, 'text/plain', 'not found');
	};

	return {handler};
}

function send(response, status, type, body, headers = {}) {
	response.writeHead(status, {'content-type': type, 'cache-control': 'no-store', ...headers});
	response.end(body);
}
