import {afterAll, beforeAll} from 'vitest';

/**
 * Makes a cloned Request keep all its headers on the way through msw, as it does in a browser.
 *
 * msw's Node interceptor sends the headers it recorded by patching the global `Headers` and
 * `Request` constructors. happy-dom's `Request#clone()` builds the copy with the window's own
 * Request class, so a clone carries no record, and a header set on it afterwards (ky's
 * documented way to change a retry, and auth.fetch's) becomes the only header msw sends:
 * `x-a: 1` plus `clone.headers.set('authorization', …)` arrives as just `authorization`.
 * Re-creating the clone through the patched global constructor gives it a full record.
 * Call it once per test file, after `useTokenServer()`.
 */
export function keepHeadersOnClone(): void {
	const original = Request.prototype.clone;
	beforeAll(() => {
		Request.prototype.clone = function (this: Request): Request {
			const copy = original.call(this);
			return new globalThis.Request(copy, {headers: [...this.headers]});
		};
	});
	afterAll(() => {
		Request.prototype.clone = original;
	});
}
