/**
 * Whether a request to `url` may carry the bearer token: its origin (scheme, host and port,
 * after URL parsing) is the page's own or one of `apiOrigins`. A lookalike host such as
 * `api.example.com.evil.test` has a different origin and is refused. Relative URLs resolve
 * against the document's base URL (`<base href>` counts, as it does for fetch) or, in a
 * worker, its location; one that does not parse is refused.
 */
export function isAllowedUrl(url: string | URL, apiOrigins: readonly string[]): boolean {
	let parsed: URL;
	try {
		parsed = new URL(String(url), globalThis.document?.baseURI ?? globalThis.location?.href);
	} catch {
		return false;
	}

	return /^https?:$/.test(parsed.protocol) && (parsed.origin === globalThis.location?.origin || apiOrigins.includes(parsed.origin));
}
