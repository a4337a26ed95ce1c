/** Shared by the bench page (in Chromium) and the Node side that routes the peers' authorization servers. */

/** Path prefix under the TokenServer's origin that Playwright fulfils as the peers' authorization servers. */
export const PEER_PATH = '/peer';
export const PEER_CLIENT_ID = 'bench-peer';
/** The manager name of the tab benchmarks (namespaces IndexedDB, lock and channel). */
export const TABS_NAME = 'bench-tabs';
