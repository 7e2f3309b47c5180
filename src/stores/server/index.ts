/** The server store: the JSON token file and the storage folder as one kernel `Store`. */
export { ServerStore, type ServerStoreOptions } from './server-store.js';
export { createServerStore } from './create-server-store.js';
export { ReservedKeys } from './reserved-keys.js';
export { resolveTokenPath, tokenPathResolver, type ResolvedTokenPath, type TokenPathContext } from './token-paths.js';
