/**
 * Types of demo/server/index.mjs for TypeScript callers (the interop tests). Only what they use.
 */
import type {EventEmitter} from 'node:events';

export declare const CLIENT_ID: string;
export declare const API_SCOPE: string;

export type DemoSettings = {
	/** Access-token lifetime in seconds, read whenever a token is issued. */
	accessTokenTtl: number;
	/** Absolute refresh-token lifetime in seconds (rotated tokens inherit what is left). */
	refreshTokenTtl: number;
	/** token-baton's refreshLeewaySeconds in pages loaded from now on. */
	refreshLeewaySeconds: number;
};

export declare const DEFAULT_SETTINGS: Readonly<DemoSettings>;

/** One POST to the token or revocation endpoint. Tokens appear only as SHA-256 prefixes. */
export type TokenRequestRecord = {
	at: number;
	route: 'token' | 'revocation';
	grantType: string | undefined;
	status: number;
	error: string | undefined;
	/** oidc-provider's private error detail, e.g. "refresh token already used". */
	detail: string | undefined;
	origin: string | undefined;
	/** Fingerprint of the refresh token presented (refresh grant) or the token revoked. */
	presented: string | undefined;
	/** Fingerprint of the refresh token in the response. */
	issued: string | undefined;
};

export type GrantRevokedRecord = {at: number; grant: string};
export type ApiRequestRecord = {
	at: number;
	status: 200 | 401;
	reason: string | undefined;
	/** DPoP: the thumbprint of the key whose proof was accepted. */
	jkt?: string | undefined;
	/** DPoP: the 401 asked for the API's nonce (`use_dpop_nonce`). */
	nonce?: true | undefined;
};

export type DemoServer = {
	pageUrl: string;
	pageOrigin: string;
	issuer: string;
	apiOrigin: string;
	resource: string;
	clientId: string;
	tokenEndpoint: string;
	revocationEndpoint: string;
	/** Mutable: changes apply to the next token issued / page loaded. */
	settings: DemoSettings;
	/** DPoP end to end (StartOptions `dpop`). */
	dpop: boolean;
	/** Emits 'token-request' (TokenRequestRecord) and 'grant-revoked' (GrantRevokedRecord). */
	authEvents: EventEmitter;
	tokenRequests: TokenRequestRecord[];
	revokedGrants: GrantRevokedRecord[];
	/** The newest refresh token issued. For tests that present it themselves; never log it. */
	latestRefreshToken(): string | undefined;
	/** Emits 'request' (ApiRequestRecord). */
	apiEvents: EventEmitter;
	apiRequests: ApiRequestRecord[];
	/** The API refuses every access token issued until now (resolves once new ones are accepted). */
	rejectIssuedAccessTokens(): Promise<void>;
	clearRecords(): void;
	close(): Promise<void>;
};

export type StartOptions = Partial<DemoSettings> & {
	/** 0 (the default) picks a free port. */
	pagePort?: number;
	authPort?: number;
	apiPort?: number;
	/** DPoP (RFC 9449) end to end: bound tokens with nonces, proofs checked by the API, `dpop: true` in the page. */
	dpop?: boolean;
};

export declare function startDemo(options?: StartOptions): Promise<DemoServer>;
