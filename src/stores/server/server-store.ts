import { dirname, resolve } from 'node:path';
import type { Observable } from 'rxjs';
import type {
  ObservedFile,
  RecordSnapshot,
  RejectedEntry,
  RemovalResult,
  ScanOptions,
  Store,
  StoredRecord,
  Target,
  Usage,
} from '../../kernel/index.js';
import { StorageFolder, type FileState, type FolderEntry } from '../folder/index.js';
import { nextTurn } from '../fs/next-turn.js';
import { TokenFile, type NewToken, type TokenEntry, type TokenLockOptions } from '../json-file/index.js';
import { ReservedKeys } from './reserved-keys.js';
import { tokenPathResolver, type ResolvedTokenPath, type TokenPathContext } from './token-paths.js';

/** How to open a {@link ServerStore}. */
export interface ServerStoreOptions {
  /** The folder holding the audio files (the storage root). */
  readonly storagePath: string;
  /** The JSON token database. */
  readonly tokenFile: string;
  /** The storage limit in bytes reported by `measure()` (`maxStorageMB` × 1,048,576), or null. */
  readonly limitBytes: number | null;
  /**
   * More paths that are never orphan candidates nor deletable, such as the journal. Each also
   * covers `<path>.<anything>` beside it and, for a folder, everything under it.
   */
  readonly reservedPaths?: readonly string[];
  /** Resolves relative options and is one of the bases a relative `file_path` may mean. Default `process.cwd()`. */
  readonly cwd?: string;
  /** The token file lock (shared with host writers). */
  readonly lock?: TokenLockOptions;
  /** Where folder walks run (see `StorageFolderOptions.walker`). Default `auto`. */
  readonly walker?: 'auto' | 'worker' | 'thread';
  /** Worker threads a walk on workers is split between (see `StorageFolderOptions.walkerThreads`). */
  readonly walkerThreads?: number;
  /** Scan entries between yields to the event loop, for walks on this thread. Default 256. */
  readonly scanChunkSize?: number;
  /** How long a measured usage is trusted (kept current by this store's deletions). Default 5 minutes. */
  readonly usageMaxAgeMs?: number;
  /** Clock for `created_at` of tokens added through this store. Default `Date.now`. */
  readonly now?: () => number;
}

/** What the store remembers of a token between `loadRecords()` and its removal. */
interface KnownToken {
  /** The entry as read, to remove it only if nobody changed it since. */
  readonly raw: unknown;
  /** The root-relative key of its own file, when inside the root (set once the walk has told). */
  fileKey?: string;
}

const YIELD_EVERY = 4096;

/** What the walk saw at a key, as `StorageFolder.inspect` would say it; undefined when not seen. */
function stateOf(entry: FolderEntry | undefined): FileState | undefined {
  if (entry === undefined) return undefined;
  return entry.type === 'file' ? { type: 'file', size: entry.size, mtimeMs: entry.mtimeMs } : { type: entry.type };
}

/**
 * The record of a token once the walk has told its file's state; sets the token's file key
 * when the file is inside the root.
 */
function toRecord(token: TokenEntry, resolved: ResolvedTokenPath, state: FileState | undefined, known: KnownToken): StoredRecord {
  const inRoot = state !== undefined && state.type !== 'outside';
  const exists = state?.type === 'file';
  const size = exists ? state.size : 0;
  const key = inRoot ? resolved.key : undefined;
  if (key !== undefined) known.fileKey = key;
  // Built field by field: object spreads per token cost more than the rest of the record.
  const file: { path: string; key?: string; inRoot: boolean; exists: boolean; size: number } = { path: token.filePath, inRoot, exists, size };
  if (key !== undefined) file.key = key;
  const record: { -readonly [K in keyof StoredRecord]: StoredRecord[K] } = { id: token.id, kind: 'token', bytes: size, file, refs: resolved.refs };
  if (token.createdAt !== undefined) record.createdAt = token.createdAt;
  if (token.expiresAt !== undefined) record.expiresAt = token.expiresAt;
  return record;
}

function refusedByFileSystem(result: RemovalResult): boolean {
  return result.status === 'failed' && result.code !== 'RECLAIM_PROTECTED_PATH' && result.code !== 'RECLAIM_OUTSIDE_ROOT';
}

/**
 * The server store (SPEC §4): the JSON token file and the storage folder it points into, as
 * one kernel {@link Store} named `json-file`.
 *
 * - `loadRecords()` reads the token file (rejected entries reported and kept; an unreadable file
 *   yields `unreadable` and no records; a missing one `missing`), resolves each `file_path`
 *   (relative: against the root; `refs` also against the working directory and the token
 *   file's folder) and learns each file's state (`lstat`: a symlink is not a file that
 *   `exists`) from one walk of the folder, which also measures usage; a file the walk did not
 *   see (missing, or under a symlinked folder) is looked at on its own.
 * - `scanFiles()` streams the folder; the token file, its lock and temp files and the
 *   `reservedPaths` come out `reserved`.
 * - `remove()` of a token unlinks its file first (a refusal leaves the token in place and
 *   reports `failed` with the path and code; a file already gone still lets the token go) and
 *   queues the token's removal; `commit()` makes the queue durable in one locked, atomic
 *   rewrite. A file another live token still refers to is never unlinked.
 * - `measure()` reuses the walk of `loadRecords()` (or walks once), then keeps the figure
 *   current by its own deletions.
 *
 * The host's write side is here too ({@link addToken}, {@link redeemToken},
 * {@link removeToken}), under the same lock as the cleanup's rewrites.
 *
 * @example
 * const store = new ServerStore({ storagePath: './recovery_storage', tokenFile: './recovery_tokens.json', limitBytes: 1024 * 1_048_576 });
 * const kernel = createKernel({ store, policies: [{ policy: expiryPolicy, options: { retentionHours: 24 } }] });
 * await kernel.run();
 */
export class ServerStore implements Store {
  readonly name = 'json-file';
  /** The token database, for hosts that need more than add/redeem/remove. */
  readonly tokens: TokenFile;
  /** The storage folder. */
  readonly folder: StorageFolder;
  readonly #limitBytes: number | null;
  readonly #cwd: string;
  readonly #reservedPaths: readonly string[];
  #reserved: ReservedKeys;
  #loaded = false;
  /** Usable tokens of the last load that have not been removed since. */
  readonly #known = new Map<string, KnownToken>();
  /** For each key, the ids (usable or rejected) that could mean it. */
  readonly #holders = new Map<string, string | string[]>();
  /** Ids removed since the last load: they no longer hold their files. */
  readonly #removed = new Set<string>();
  /** Removals not yet written to the token file. */
  readonly #pending = new Map<string, unknown>();

  constructor(options: ServerStoreOptions) {
    this.#cwd = resolve(options.cwd ?? process.cwd());
    this.#limitBytes = options.limitBytes;
    this.tokens = new TokenFile(resolve(this.#cwd, options.tokenFile), {
      ...(options.lock === undefined ? {} : { lock: options.lock }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.#reservedPaths = [this.tokens.path, ...(options.reservedPaths ?? []).map((p) => resolve(this.#cwd, p))];
    this.#reserved = new ReservedKeys([]);
    this.folder = new StorageFolder(resolve(this.#cwd, options.storagePath), {
      reservedKeys: () => this.#reserved.keys,
      ...(options.walker === undefined ? {} : { walker: options.walker }),
      ...(options.walkerThreads === undefined ? {} : { walkerThreads: options.walkerThreads }),
      ...(options.scanChunkSize === undefined ? {} : { chunkSize: options.scanChunkSize }),
      ...(options.usageMaxAgeMs === undefined ? {} : { usageMaxAgeMs: options.usageMaxAgeMs }),
    });
    this.#refreshReserved();
  }

  /** True when a root-relative key belongs to the stores (token file, lock, temp files, reserved paths). */
  isReserved(key: string): boolean {
    return this.#reserved.has(key);
  }

  async loadRecords(): Promise<RecordSnapshot> {
    this.folder.startOver();
    this.#refreshReserved();
    this.#known.clear();
    this.#holders.clear();
    this.#removed.clear();
    this.#loaded = true;
    // One walk measures usage (measure() then needs no walk of its own) and sees every token's
    // file on the way: an lstat per token after it would repeat what the walk just did. It
    // starts now, beside the reading of the token file (on a worker thread when the folder is
    // large); its entries wait, after the first batch, until the tokens' keys are known.
    let keysKnown: () => void = () => undefined;
    const keysReady = new Promise<void>((resolve) => (keysKnown = resolve));
    // Entries met before the keys are known (at most one batch: the walk waits on keysReady).
    const early: FolderEntry[] = [];
    let visitNow: ((entry: FolderEntry) => void) | null = null;
    // A worker may run up to 256 batches of 512 entries ahead (about 8 MiB) while this thread
    // parses the token file: for 100k files, the whole walk. Until the keys are known the walk
    // leaves this busy thread a core, the worker that lists the root walking alone; then the
    // others join it. On two cores, two walkers beside the parse slowed it more than
    // they sped the walk (a cold load of 100k files and 70k tokens, flat: 1.6–1.8 s against
    // 1.4–1.6 s), while a sharded folder's walk outlasts the parse and needs both.
    const survey = this.folder.survey((entry) => (visitNow === null ? early.push(entry) : visitNow(entry)), {
      between: () => keysReady,
      window: 256,
      moreThreadsAfter: keysReady,
    });
    // Settled below in every case; until then a failure must not surface as unhandled.
    survey.catch(() => undefined);
    const startWalking = (visit: (entry: FolderEntry) => void): void => {
      for (const entry of early) visit(entry);
      early.length = 0;
      visitNow = visit;
      keysKnown();
    };
    // Without usable tokens the walk only measures usage.
    const walkWithoutTokens = (): Promise<number> => {
      startWalking(() => undefined);
      return survey;
    };

    const snapshot = await this.tokens.read().catch(async (error: unknown) => {
      await walkWithoutTokens().catch(() => undefined);
      throw error;
    });
    if (snapshot.source.status !== 'ok') {
      await walkWithoutTokens();
      return { source: snapshot.source, records: [], rejected: [] };
    }

    const context: TokenPathContext = { root: this.folder.root, cwd: this.#cwd, tokenDir: dirname(this.tokens.path) };
    const resolveTokenPath = tokenPathResolver(context);
    const tokens = snapshot.tokens;
    const count = tokens.length;
    const paths: ResolvedTokenPath[] = new Array<ResolvedTokenPath>(count);
    // Each distinct key of a token's own file gets a slot; the walk below fills the slots.
    const slotOfKey = new Map<string, number>();
    const slotOfToken = new Int32Array(count).fill(-1);
    // What needs no file state is done here, while the walk still runs: each token is known
    // and holds the keys it may mean. Its file key is set once the walk has seen the file.
    const knownOf: KnownToken[] = new Array<KnownToken>(count);
    for (let i = 0; i < count; i += 1) {
      const token = tokens[i] as TokenEntry;
      const resolved = resolveTokenPath(token.filePath);
      paths[i] = resolved;
      const known: KnownToken = { raw: token.raw };
      knownOf[i] = known;
      this.#known.set(token.id, known);
      this.#hold(token.id, resolved.refs);
      if (resolved.key !== undefined) {
        let slot = slotOfKey.get(resolved.key);
        if (slot === undefined) {
          slot = slotOfKey.size;
          slotOfKey.set(resolved.key, slot);
        }
        slotOfToken[i] = slot;
      }
      if ((i + 1) % YIELD_EVERY === 0) await nextTurn();
    }
    const seen = new Array<FolderEntry | undefined>(slotOfKey.size);
    const rankOfSlot = new Float64Array(slotOfKey.size).fill(slotOfKey.size);
    let met = 0;
    startWalking((entry) => {
      const slot = slotOfKey.get(entry.key);
      if (slot !== undefined) {
        seen[slot] = entry;
        rankOfSlot[slot] = met;
        met += 1;
      }
    });
    try {
      await survey;
    } catch (error) {
      // A load that fails leaves no token known, as if none had been read.
      this.#known.clear();
      this.#holders.clear();
      throw error;
    }
    // Records come in the order the walk met their files (then those without one, as in the
    // file): deletions follow the folder, one directory after the other, which a file system
    // does faster than the same deletions in token-file order (a walk split between workers
    // interleaves their slices of the root, each still in folder order). Sorted as numbers
    // (rank × count + index), which a typed array sorts natively.
    const order = new Float64Array(count);
    for (let i = 0; i < count; i += 1) {
      const slot = slotOfToken[i] as number;
      order[i] = (slot < 0 ? slotOfKey.size : (rankOfSlot[slot] as number)) * count + i;
    }
    order.sort();
    const records: StoredRecord[] = new Array<StoredRecord>(count);
    for (let n = 0; n < count; n += 1) {
      const i = (order[n] as number) % count;
      const resolved = paths[i] as ResolvedTokenPath;
      const slot = slotOfToken[i] as number;
      // Not seen by the walk: missing, a folder, under a symlinked folder, or not a plain key.
      const state = slot < 0 ? undefined : (stateOf(seen[slot]) ?? this.folder.inspect(resolved.key as string));
      records[n] = toRecord(tokens[i] as TokenEntry, resolved, state, knownOf[i] as KnownToken);
    }
    const rejected: RejectedEntry[] = snapshot.rejected.map((entry) => {
      const refs = entry.filePath === undefined ? [] : resolveTokenPath(entry.filePath).refs;
      this.#hold(entry.id, refs);
      return { id: entry.id, reason: entry.reason, refs };
    });
    return { source: snapshot.source, records, rejected };
  }

  scanFiles(options?: ScanOptions): Observable<ObservedFile> {
    return this.folder.scan(options);
  }

  async measure(): Promise<Usage> {
    return { usedBytes: await this.folder.measure(), limitBytes: this.#limitBytes };
  }

  remove(target: Target): Promise<RemovalResult> {
    const remove = (): Promise<RemovalResult> => (target.kind === 'file' ? this.#removeFile(target.path) : this.#removeToken(target.id, target.file));
    return this.#loaded ? remove() : this.loadRecords().then(remove);
  }

  /**
   * Writes the queued token removals in one atomic rewrite under the lock, re-reading the file
   * first so tokens written meanwhile survive. A token changed since it was read is kept.
   * On failure (lock timeout, file turned unreadable) the queue is kept for the next commit.
   */
  async commit(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = new Map(this.#pending);
    await this.tokens.removeTokens(batch);
    for (const id of batch.keys()) this.#pending.delete(id);
  }

  /** Commits what is still queued. */
  async close(): Promise<void> {
    await this.commit();
  }

  /** Adds a token for the host (see {@link TokenFile.addToken}). */
  addToken(token: NewToken): Promise<TokenEntry> {
    return this.tokens.addToken(token);
  }

  /** Redeems a token exactly once across processes (see {@link TokenFile.redeemToken}). */
  redeemToken(id: string): Promise<TokenEntry | undefined> {
    return this.tokens.redeemToken(id);
  }

  /** Removes a token for the host (see {@link TokenFile.removeToken}). */
  removeToken(id: string): Promise<boolean> {
    return this.tokens.removeToken(id);
  }

  async #removeToken(id: string, fileKey: string | undefined): Promise<RemovalResult> {
    const known = this.#known.get(id);
    if (known === undefined) return { status: 'gone' };
    let files = 0;
    let bytes = 0;
    if (fileKey !== undefined) {
      if (fileKey !== known.fileKey) {
        return {
          status: 'failed',
          code: 'RECLAIM_PROTECTED_PATH',
          message: `${fileKey} is not the file of token ${id}; neither was deleted`,
          path: fileKey,
        };
      }
      // Defence in depth: a file another live entry may mean stays, whatever the plan said.
      if (!this.#heldByOthers(fileKey, id)) {
        const result = await this.folder.removeFile(fileKey);
        if (refusedByFileSystem(result)) return result;
        if (result.status === 'deleted') {
          files = result.files;
          bytes = result.bytes;
        }
        // gone, a symlink, or a folder swapped in: the token goes, whatever is there stays.
      }
    }
    this.#known.delete(id);
    this.#removed.add(id);
    this.#pending.set(id, known.raw);
    return { status: 'deleted', records: 1, files, bytes };
  }

  async #removeFile(key: string): Promise<RemovalResult> {
    const holder = this.#liveHolder(key);
    if (holder !== undefined) {
      return {
        status: 'failed',
        code: 'RECLAIM_PROTECTED_PATH',
        message: `${key} is still referenced by token ${holder}; it is not an orphan`,
        path: key,
      };
    }
    return this.folder.removeFile(key);
  }

  #hold(id: string, keys: readonly string[]): void {
    for (const key of keys) {
      const current = this.#holders.get(key);
      if (current === undefined) this.#holders.set(key, id);
      else if (typeof current === 'string') this.#holders.set(key, [current, id]);
      else current.push(id);
    }
  }

  #liveHolder(key: string, except?: string): string | undefined {
    const holders = this.#holders.get(key);
    if (holders === undefined) return undefined;
    // Nearly every key has one holder: no array is made for it (this runs per deletion).
    if (typeof holders === 'string') return holders !== except && !this.#removed.has(holders) ? holders : undefined;
    for (const id of holders) {
      if (id !== except && !this.#removed.has(id)) return id;
    }
    return undefined;
  }

  #heldByOthers(key: string, id: string): boolean {
    return this.#liveHolder(key, id) !== undefined;
  }

  #refreshReserved(): void {
    const keys: string[] = [];
    for (const path of this.#reservedPaths) {
      const key = this.folder.root.keyOf(path);
      if (key !== undefined) keys.push(key);
    }
    this.#reserved = new ReservedKeys(keys);
  }
}
