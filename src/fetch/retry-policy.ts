/** What the 401 policy needs from the token manager; a `TokenManager` fits. */
export type TokenSource = {getAccessToken(options?: {rejectedToken?: string; signal?: AbortSignal}): Promise<string>};

/**
 * The token for a request's first attempt: waits for a due refresh, and gives up (rejecting
 * with the abort reason) when `signal` aborts. An aborted request never starts a refresh.
 */
export async function tokenForRequest(auth: TokenSource, signal: AbortSignal): Promise<string> {
	signal.throwIfAborted();
	return auth.getAccessToken({signal});
}

/**
 * The one rule after a 401 to `sent`, for `auth.fetch` and `token-baton/ky` alike: the token
 * to retry with, exactly once, or undefined when the 401 is the caller's answer (signed out,
 * the refresh failed, or it kept the same token). Rejects only when `signal` aborted.
 */
export async function tokenForRetry(auth: TokenSource, sent: string, signal: AbortSignal): Promise<string | undefined> {
	let fresh: string;
	try {
		fresh = await auth.getAccessToken({rejectedToken: sent, signal});
	} catch (error) {
		if (signal.aborted) throw error;
		return undefined;
	}

	return fresh === sent ? undefined : fresh;
}

/** A 401 that cannot be retried still marks the token refused: the next request gets a new one. */
export function reportRejected(auth: TokenSource, sent: string): void {
	auth.getAccessToken({rejectedToken: sent}).catch(() => {});
}
