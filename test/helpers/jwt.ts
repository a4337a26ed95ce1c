/** An unsigned JWT with these claims: token-baton reads `exp`/`iat` without verifying. */
export function jwt(claims: Record<string, unknown>): string {
	const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
	return `${encode({alg: 'none', typ: 'JWT'})}.${encode(claims)}.sig`;
}
