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
import { StorageFolder } from '../folder/index.js';
import { TokenFile, type NewToken, type TokenEntry, type TokenLockOptions } from '../json-file/index.js';
import { ReservedKeys } from './reserved-keys.js';
import { resolveTokenPath, type TokenPathContext } from './token-paths.js';

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
  /** Scan entries between yields to the event loop. Default 1024. */
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
  /** The root-relative key of its own file, when inside the root. */
  readonly fileKey?: string;
}

const YIELD_EVERY = 1024;
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
 *   file's folder) and `lstat`s each file (a symlink is not a file that `exists`).
 * - `scanFiles()` streams the folder; the token file, its lock and temp files and the
 *   `reservedPaths` come out `reserved`.
 * - `remove()` of a token unlinks its file first (a refusal leaves the token in place and
 *   reports `failed` with the path and code; a file already gone still lets the token go) and
 *   queues the token's removal; `commit()` makes the queue durable in one locked, atomic
 *   rewrite. A file another live token still refers to is never unlinked.
 * - `measure()` walks the folder once per run, then keeps the figure current by its own
 *   deletions.
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
      isReserved: (key) => this.#reserved.has(key),
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
    const snapshot = await this.tokens.read();
    if (snapshot.source.status !== 'ok') return { source: snapshot.source, records: [], rejected: [] };

    const context: TokenPathContext = { root: this.folder.root, cwd: this.#cwd, tokenDir: dirname(this.tokens.path) };
    const records: StoredRecord[] = [];
    let count = 0;
    for (const token of snapshot.tokens) {
      records.push(this.#toRecord(token, context));
      count += 1;
      // Each record costs a synchronous lstat: let deletions and timers breathe.
      if (count % YIELD_EVERY === 0) await immediate();
    }
    const rejected: RejectedEntry[] = snapshot.rejected.map((entry) => {
      const refs = entry.filePath === undefined ? [] : resolveTokenPath(entry.filePath, context).refs;
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

  async remove(target: Target): Promise<RemovalResult> {
    if (!this.#loaded) await this.loadRecords();
    return target.kind === 'file' ? this.#removeFile(target.path) : this.#removeToken(target.id, target.file);
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

  #toRecord(token: TokenEntry, context: TokenPathContext): StoredRecord {
    const resolved = resolveTokenPath(token.filePath, context);
    const state = resolved.key === undefined ? undefined : this.folder.inspect(resolved.key);
    const inRoot = state !== undefined && state.type !== 'outside';
    const size = state?.type === 'file' ? state.size : 0;
    const key = inRoot ? resolved.key : undefined;
    this.#known.set(token.id, { raw: token.raw, ...(key === undefined ? {} : { fileKey: key }) });
    this.#hold(token.id, resolved.refs);
    return {
      id: token.id,
      kind: 'token',
      ...(token.createdAt === undefined ? {} : { createdAt: token.createdAt }),
      ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
      bytes: size,
      file: { path: token.filePath, ...(key === undefined ? {} : { key }), inRoot, exists: state?.type === 'file', size },
      refs: resolved.refs,
    };
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
    for (const id of typeof holders === 'string' ? [holders] : holders) {
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
