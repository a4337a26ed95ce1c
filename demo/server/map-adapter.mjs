/**
 * An oidc-provider storage adapter backed by plain Maps, one store per call of
 * createMapAdapter() (so every provider instance, and every test server, starts empty).
 *
 * Why not the built-in MemoryAdapter: it is an LRU capped at 1,000 entries. Once a consumed
 * refresh token is evicted, presenting it again is "not found" instead of "already used",
 * and the server no longer revokes the token family. This store has no count limit; an
 * entry lives exactly until its own expiry (consumed refresh tokens included, which is what
 * makes reuse detection work), and expired entries are swept now and then.
 */

/** Models whose records carry a grantId and are deleted together by revokeByGrantId. */
const GRANTABLE = new Set([
	'AccessToken',
	'AuthorizationCode',
	'RefreshToken',
	'DeviceCode',
	'BackchannelAuthenticationRequest',
	'PreAuthorizedCode',
]);

const SWEEP_EVERY = 200;

export function createMapAdapter() {
	/** `${model}:${id}` → {payload, expiresAt (epoch ms) or Infinity} */
	const records = new Map();
	/** grantId → Set of record keys */
	const grants = new Map();
	/** Session uid → session id */
	const sessionUids = new Map();
	/** user code → id (device flow; unused by the demo, kept for completeness) */
	const userCodes = new Map();
	let writes = 0;

	const live = (key) => {
		const record = records.get(key);
		if (!record) return undefined;
		if (record.expiresAt <= Date.now()) {
			remove(key);
			return undefined;
		}

		return record;
	};

	const remove = (key) => {
		const record = records.get(key);
		records.delete(key);
		if (!record) return;
		const {payload} = record;
		if (payload.grantId) grants.get(payload.grantId)?.delete(key);
		if (payload.uid && sessionUids.get(payload.uid) === key) sessionUids.delete(payload.uid);
		if (payload.userCode && userCodes.get(payload.userCode) === key) userCodes.delete(payload.userCode);
	};

	const sweep = () => {
		const now = Date.now();
		for (const [key, record] of records) if (record.expiresAt <= now) remove(key);
		for (const [grantId, keys] of grants) if (keys.size === 0) grants.delete(grantId);
	};

	return class MapAdapter {
		/** @param {string} model */
		constructor(model) {
			this.model = model;
		}

		key(id) {
			return `${this.model}:${id}`;
		}

		async upsert(id, payload, expiresIn) {
			const key = this.key(id);
			if (records.has(key)) remove(key);
			const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
			// A copy, as a database would keep: later changes to the caller's object do not leak in.
			records.set(key, {payload: structuredClone(payload), expiresAt});
			if (GRANTABLE.has(this.model) && payload.grantId) {
				let keys = grants.get(payload.grantId);
				if (!keys) grants.set(payload.grantId, (keys = new Set()));
				keys.add(key);
			}

			if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, key);
			if (payload.userCode) userCodes.set(payload.userCode, key);
			if (++writes % SWEEP_EVERY === 0) sweep();
		}

		async find(id) {
			const record = live(this.key(id));
			return record ? structuredClone(record.payload) : undefined;
		}

		async findByUid(uid) {
			const key = sessionUids.get(uid);
			const record = key ? live(key) : undefined;
			return record ? structuredClone(record.payload) : undefined;
		}

		async findByUserCode(userCode) {
			const key = userCodes.get(userCode);
			const record = key ? live(key) : undefined;
			return record ? structuredClone(record.payload) : undefined;
		}

		async consume(id) {
			const record = live(this.key(id));
			if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
		}

		async destroy(id) {
			remove(this.key(id));
		}

		async revokeByGrantId(grantId) {
			const keys = grants.get(grantId);
			if (!keys) return;
			for (const key of [...keys]) remove(key);
			grants.delete(grantId);
		}
	};
}
