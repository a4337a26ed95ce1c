/** An unsigned JWT with these claims (`alg` in its header, `none` by default): token-baton reads claims without verifying. */
export function jwt(claims: Record<string, unknown>, alg = 'none'): string {
	const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
	return `${encode({alg, typ: 'JWT'})}.${encode(claims)}.sig`;
}
