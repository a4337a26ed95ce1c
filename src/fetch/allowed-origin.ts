/**
 * Whether a request to `url` may carry the bearer token: its origin (scheme, host and port,
 * after URL parsing) is the page's own or one of `apiOrigins`. A lookalike host such as
 * `api.example.com.evil.test` has a different origin and is refused.
 */
export function isAllowedUrl(url: string | URL, apiOrigins: readonly string[]): boolean {
	const parsed = parseUrl(url);
	if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return false;
	return parsed.origin === pageOrigin() || apiOrigins.includes(parsed.origin);
}

/** Absolute URL of `url`, relative ones resolved against the page; undefined when it does not parse. */
function parseUrl(url: string | URL): URL | undefined {
	try {
		return new URL(String(url), baseUrl());
	} catch {
		return undefined;
	}
}

// `<base href>` counts, as it does for fetch; a worker has a location but no document.
function baseUrl(): string | undefined {
	if (typeof document !== 'undefined') return document.baseURI;
	return typeof location === 'undefined' ? undefined : location.href;
}

function pageOrigin(): string | undefined {
	return typeof location === 'undefined' ? undefined : location.origin;
}
