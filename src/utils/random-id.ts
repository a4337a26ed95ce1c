/** 128 random bits as hex: session ids, tab ids and message ids. */
export function randomId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	let id = '';
	for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
	return id;
}
