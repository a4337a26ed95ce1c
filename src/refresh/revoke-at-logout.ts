import type {SessionControl} from '../core/session-control.js';
import type {Session} from '../core/session.js';
import {isEnded} from '../storage/stored-session.js';
import {revokeRefreshToken} from './revoke.js';

/**
 * After a logout: revoke the newest refresh token (RFC 7009), which is the one that was in
 * storage (another tab may have rotated it there) or else this tab's own. A failure is a
 * `revocation-failed` warning; the session has ended either way.
 */
export async function revokeAtLogout(control: SessionControl, previous: unknown, session: Session | undefined): Promise<void> {
	const stored = await control.repository.read(previous);
	const live = isEnded(stored) ? undefined : stored;
	const refreshToken = live?.refreshToken ?? session?.refreshToken;
	if (refreshToken === undefined) return;
	// DPoP: the key went with the stored session; the record removed at logout still holds it.
	const key = live?.dpopKey;
	const dpop = key && control.options.dpop ? await control.dpop().then((client) => ({client, key}), () => undefined) : undefined;
	const error = await revokeRefreshToken(control.options, refreshToken, dpop);
	if (error) control.warn('revocation-failed', 'revocation failed', error);
}
