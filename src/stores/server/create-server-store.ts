import { ServerStore, type ServerStoreOptions } from './server-store.js';

/**
 * Opens the server store (JSON token file + storage folder) behind the kernel's `Store` port.
 * Nothing is read until the first `loadRecords()`.
 *
 * @example
 * const store = createServerStore({ storagePath: './recovery_storage', tokenFile: './recovery_tokens.json', limitBytes: 1024 * 1_048_576, reservedPaths: ['./reclaim-journal.jsonl'] });
 */
export function createServerStore(options: ServerStoreOptions): ServerStore {
  return new ServerStore(options);
}
