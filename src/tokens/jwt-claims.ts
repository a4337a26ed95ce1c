/** `exp` and `iat` of a JWT, read without verifying it (only the expiry is needed). */
export type TimeClaims = {exp: number; iat: number | undefined};

export function readTimeClaims(token: string): TimeClaims | undefined {
	const parts = token.split('.');
	if (parts.length !== 3 || !parts[1]) return undefined;
	let payload: unknown;
	try {
		payload = JSON.parse(decodeBase64Url(parts[1]));
	} catch {
		return undefined;
	}

	if (typeof payload !== 'object' || payload === null) return undefined;
	const {exp, iat} = payload as {exp?: unknown; iat?: unknown};
	if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
	return {exp, iat: typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined};
}

function decodeBase64Url(segment: string): string {
	const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
	const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
	const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
	return new TextDecoder().decode(bytes);
}
