import { openDB } from 'idb';

/** One session to seed, in preset-neutral terms. Times are epoch milliseconds. */
export interface SeedSession {
  readonly id: string;
  readonly lastAccessed?: number;
  readonly timestamp?: number;
  /** Stored as the session's `audio` field (kept as is: Blob, typed array, string…). */
  readonly payload?: unknown;
  /** Key-value layout: a `size` stored beside the value. */
  readonly size?: number;
  readonly pinned?: boolean;
  /** Key-value layout: replaces the whole `value` (e.g. a bare Blob). */
  readonly value?: unknown;
}

/** Options of the key-value seed. */
export interface KeyValueSeedOptions {
  readonly version?: number;
  readonly storeName?: string;
  /** Writes `cbx_active_session` naming this id. */
  readonly activeId?: string;
  /** Other records in the same store, by key (they must survive any cleanup). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Writes sessions the way the web app does: `ChatterboxStorage`-style `{ key, value, timestamp, size }`. */
export async function seedKeyValueSessions(databaseName: string, sessions: readonly SeedSession[], options: KeyValueSeedOptions = {}): Promise<void> {
  const storeName = options.storeName ?? 'keyValueStore';
  const db = await openDB(databaseName, options.version ?? 1, {
    upgrade(database) {
      if (!database.objectStoreNames.contains(storeName)) database.createObjectStore(storeName, { keyPath: 'key' });
    },
  });
  try {
    const tx = db.transaction(storeName, 'readwrite');
    for (const session of sessions) {
      const value =
        session.value !== undefined
          ? session.value
          : {
              id: session.id,
              ...(session.lastAccessed === undefined ? {} : { lastAccessed: session.lastAccessed }),
              ...(session.payload === undefined ? {} : { audio: session.payload }),
              ...(session.pinned === undefined ? {} : { pinned: session.pinned }),
            };
      void tx.store.put({
        key: `cbx_recovery_session_${session.id}`,
        value,
        ...(session.timestamp === undefined ? {} : { timestamp: session.timestamp }),
        ...(session.size === undefined ? {} : { size: session.size }),
      });
    }
    if (options.activeId !== undefined) void tx.store.put({ key: 'cbx_active_session', value: options.activeId, timestamp: Date.now() });
    for (const [key, value] of Object.entries(options.extra ?? {})) void tx.store.put({ key, value, timestamp: Date.now() });
    await tx.done;
  } finally {
    db.close();
  }
}

/** Writes sessions in the documented layout: store `sessions` keyed by `id`, indexes `timestamp` and `lastAccessed`. */
export async function seedDocumentedSessions(
  databaseName: string,
  sessions: readonly SeedSession[],
  options: { readonly version?: number } = {},
): Promise<void> {
  const db = await openDB(databaseName, options.version ?? 1, {
    upgrade(database) {
      if (!database.objectStoreNames.contains('sessions')) {
        const store = database.createObjectStore('sessions', { keyPath: 'id' });
        store.createIndex('timestamp', 'timestamp');
        store.createIndex('lastAccessed', 'lastAccessed');
      }
    },
  });
  try {
    const tx = db.transaction('sessions', 'readwrite');
    for (const session of sessions) {
      void tx.store.put({
        id: session.id,
        ...(session.timestamp === undefined ? {} : { timestamp: session.timestamp }),
        ...(session.lastAccessed === undefined ? {} : { lastAccessed: session.lastAccessed }),
        ...(session.payload === undefined ? {} : { audio: session.payload }),
        ...(session.size === undefined ? {} : { size: session.size }),
        ...(session.pinned === undefined ? {} : { pinned: session.pinned }),
      });
    }
    await tx.done;
  } finally {
    db.close();
  }
}

/** Every primary key in a store, as strings, sorted. */
export async function storedKeys(databaseName: string, storeName: string): Promise<string[]> {
  const db = await openDB(databaseName);
  try {
    if (!db.objectStoreNames.contains(storeName)) return [];
    return (await db.getAllKeys(storeName)).map(String).sort();
  } finally {
    db.close();
  }
}

/** The version of a database, or null when it does not exist (checked without creating it). */
export async function databaseVersion(databaseName: string): Promise<number | null> {
  const all = await indexedDB.databases();
  return all.find((d) => d.name === databaseName)?.version ?? null;
}

let counter = 0;
/** A database name unique to this test process. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}
