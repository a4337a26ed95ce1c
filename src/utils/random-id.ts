/** 128 random bits as text: session ids, tab ids and message ids. Unique, not secret. */
export function randomId(): string {
	return crypto.getRandomValues(new Uint32Array(4)).join('-');
}
