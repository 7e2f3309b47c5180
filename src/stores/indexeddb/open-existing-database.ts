import { wrap, type IDBPDatabase } from 'idb';

/** The result of opening a database that reclaim does not own. */
export type ExistingDatabase =
  | { readonly status: 'open'; readonly db: IDBPDatabase }
  /** No such database: there is nothing to clean, and none was created. */
  | { readonly status: 'missing'; readonly reason: string }
  /** It exists but cannot be read safely (newer version, no such store, open failed). */
  | { readonly status: 'unreadable'; readonly reason: string };

/** What an app's database must look like to be read. */
export interface ExpectedDatabase {
  readonly databaseName: string;
  readonly storeName: string;
  /** The newest version the reader knows. */
  readonly version: number;
}

function factory(): IDBFactory | undefined {
  return (globalThis as { indexedDB?: IDBFactory }).indexedDB;
}

/**
 * Whether `indexedDB.databases()` lists `name` with a version: false when it is not listed (or
 * listed at version 0, the empty shell WebKit keeps after an aborted creation), undefined when
 * the engine cannot say (no `databases()`, or it failed).
 */
async function listed(indexedDB: IDBFactory, name: string): Promise<boolean | undefined> {
  if (typeof indexedDB.databases !== 'function') return undefined;
  try {
    const found = (await indexedDB.databases()).find((d) => d.name === name);
    return found !== undefined && found.version !== 0;
  } catch {
    return undefined;
  }
}

/**
 * Opens an app's database at whatever version it has, without ever creating or upgrading it.
 * Where the engine lists its databases (`indexedDB.databases()`), a database that is not listed
 * is reported missing without being opened at all. Otherwise (or when it vanished since) the
 * open asks for no version, and should the database not exist, the creation is aborted inside
 * `upgradeneeded`: Chromium and Firefox then delete the half-made database, while WebKit keeps
 * an empty version-0 entry, which is why the listing is asked first. The connection closes
 * itself when the app asks for a version change, so reclaim never blocks an upgrade. A database
 * above `expected.version`, or without the store, is reported unreadable and closed.
 */
export async function openExistingDatabase(expected: ExpectedDatabase): Promise<ExistingDatabase> {
  const indexedDB = factory();
  if (indexedDB === undefined) return { status: 'unreadable', reason: 'IndexedDB is not available in this environment' };
  const name = expected.databaseName;
  if ((await listed(indexedDB, name)) === false) {
    return { status: 'missing', reason: `database "${name}" does not exist (nothing to clean; it was not created)` };
  }
  let request: IDBOpenDBRequest;
  try {
    request = indexedDB.open(name);
  } catch (error) {
    return { status: 'unreadable', reason: `IndexedDB refused to open "${name}": ${(error as Error).message}` };
  }
  let created = false;
  request.onupgradeneeded = () => {
    created = true;
    request.transaction?.abort();
  };
  let raw: IDBDatabase;
  try {
    raw = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = (event) => {
        // An aborted creation is expected; keep it from surfacing as an uncaught error.
        event.preventDefault();
        reject(request.error ?? new Error('open failed'));
      };
    });
  } catch (error) {
    if (created) return { status: 'missing', reason: `database "${name}" does not exist (nothing to clean; it was not created)` };
    return { status: 'unreadable', reason: `database "${name}" could not be opened: ${(error as Error).message}` };
  }
  raw.onversionchange = () => raw.close();
  if (raw.version > expected.version) {
    raw.close();
    return {
      status: 'unreadable',
      reason:
        `database "${name}" is at version ${raw.version}, newer than version ${expected.version} this store knows; ` +
        'it was left untouched. Check the new schema, then set the layout `version` (and field paths) to match',
    };
  }
  if (!raw.objectStoreNames.contains(expected.storeName)) {
    const stores = [...raw.objectStoreNames].map((s) => `"${s}"`).join(', ') || 'none';
    raw.close();
    return {
      status: 'unreadable',
      reason: `database "${name}" (version ${raw.version}) has no object store "${expected.storeName}" (it has ${stores}); set the layout \`storeName\``,
    };
  }
  return { status: 'open', db: wrap(raw) };
}
