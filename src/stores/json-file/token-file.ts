import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ReclaimError, type SourceStatus } from '../../kernel/index.js';
import { nextTurn } from '../fs/next-turn.js';
import { sweepTempFiles, writeFileAtomically } from './atomic-write.js';
import { parseTokenEntry, type RejectedTokenEntry, type TokenEntry } from './token-entry.js';
import {
  addTokenValue,
  emptyTokenDocument,
  getTokenValue,
  parseTokenDocument,
  readTokenEntries,
  removeTokenValues,
  serializeTokenDocumentInSlices,
  type TokenDocument,
} from './token-document.js';
import { tokenLockPath, withTokenLock, type TokenLockOptions } from './token-file-lock.js';
import { formatTokenTime } from './token-time.js';

/** How to open a {@link TokenFile}. */
export interface TokenFileOptions {
  readonly lock?: TokenLockOptions;
  /** The clock for `created_at` of new tokens; defaults to `Date.now`. */
  readonly now?: () => number;
}

/** Everything read from the token file at one moment. */
export interface TokenFileSnapshot {
  /** `missing`: no file (an empty database). `unreadable`: not a JSON object or array as a whole. */
  readonly source: SourceStatus;
  readonly tokens: readonly TokenEntry[];
  readonly rejected: readonly RejectedTokenEntry[];
}

/** A token for {@link TokenFile.addToken}. Times are epoch milliseconds or Dates. */
export interface NewToken {
  readonly id: string;
  /** The audio file's path: relative to the storage root, or absolute. */
  readonly filePath: string;
  /** Defaults to now. */
  readonly createdAt?: number | Date;
  readonly expiresAt?: number | Date;
  /** Written as `file_size`, as the original service did. */
  readonly fileSize?: number;
  /** Extra fields stored with the entry, as they are; the standard fields above win over them. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What an edit run under the lock decided: its result, and the document to write, if any. */
export interface TokenEdit<T> {
  readonly result: T;
  /** The document to write back; leave it out when nothing changed. */
  readonly write?: TokenDocument;
}

/** The part of a read that an edit under the lock sees. */
type Current = { readonly status: 'ok'; readonly document: TokenDocument } | { readonly status: 'missing' };

const SWEEP_EVERY_MS = 10 * 60_000;

function millis(value: number | Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ReclaimError('RECLAIM_TOKEN_INVALID', `${field} must be a valid Date or non-negative epoch milliseconds; got ${String(value)}`, {
      details: { field },
    });
  }
  return ms;
}

/**
 * The JSON token database of the original service (`recovery_tokens.json`), read in every form
 * SPEC §4 allows and written safely.
 *
 * Reading never throws for bad data: a bad entry is rejected (and kept in the file), a file that
 * cannot be read as a whole is `unreadable`, a missing one `missing`. Every write (the
 * cleanup's batched removals and the host's {@link addToken}, {@link redeemToken},
 * {@link removeToken}) happens under one inter-process lock (`<file>.lock`), re-reads the file
 * under it so nothing another writer added is lost, edits only the entries concerned (every
 * other entry and unknown field is written back as the same value, in the same object or array
 * form and indentation), and replaces the file atomically. An unreadable file is never
 * rewritten: writes to it fail with `RECLAIM_TOKEN_SOURCE_UNREADABLE`.
 *
 * @example
 * const tokens = new TokenFile('./recovery_tokens.json');
 * await tokens.addToken({ id: 'abc123', filePath: 'abc123.wav', expiresAt: Date.now() + 86_400_000 });
 * const token = await tokens.redeemToken('abc123'); // the token, once; undefined after that
 */
export class TokenFile {
  /** Absolute path of the token file. */
  readonly path: string;
  /** The lock directory shared by every writer. */
  readonly lockPath: string;
  readonly #lock: TokenLockOptions;
  readonly #now: () => number;
  #lastSweep = Number.NEGATIVE_INFINITY;
  /**
   * The text last read or written and its parsed document, untouched since: a later read that
   * finds exactly this text (the usual case for a cleanup's commit, moments after its load)
   * reuses the document instead of parsing 100k entries again. Taken (cleared) by an edit.
   */
  #parsed: { readonly text: string; readonly document: TokenDocument } | undefined;

  constructor(path: string, options: TokenFileOptions = {}) {
    this.path = resolve(path);
    this.lockPath = tokenLockPath(this.path);
    this.#lock = options.lock ?? {};
    this.#now = options.now ?? Date.now;
  }

  /** The file's name; its lock and temp files are named `<name>.…`. */
  get name(): string {
    return basename(this.path);
  }

  /** Reads and sorts every entry. Safe without the lock: writers replace the file atomically. */
  async read(): Promise<TokenFileSnapshot> {
    const current = await this.#readDocument(false);
    if (current.status !== 'ok') {
      const source: SourceStatus =
        current.status === 'missing'
          ? { status: 'missing', reason: `the token file ${this.path} does not exist` }
          : { status: 'unreadable', reason: current.reason };
      return { source, tokens: [], rejected: [] };
    }
    return { source: { status: 'ok' }, ...readTokenEntries(current.document) };
  }

  /**
   * Runs an edit under the lock on a fresh read of the file and writes what it returns. The
   * edit sees `missing` when there is no file yet. Throws `RECLAIM_TOKEN_SOURCE_UNREADABLE`
   * (without calling the edit) when the file cannot be read as a whole,
   * `RECLAIM_LOCK_TIMEOUT` when the lock stays taken, `RECLAIM_LOCK_LOST` when it was lost
   * before the write.
   */
  async update<T>(edit: (current: Current) => TokenEdit<T>): Promise<T> {
    // Temp files of writers killed mid-write are harmless but pile up: clear them now and then.
    // This needs no lock (only files of dead processes go), so host writers are not held up.
    if (Date.now() - this.#lastSweep > SWEEP_EVERY_MS) {
      this.#lastSweep = Date.now();
      await sweepTempFiles(this.path).catch(() => 0);
    }
    return withTokenLock(this.path, this.#lock, async (lock) => {
      // The edit may change the document: it is taken from the cache, not shared with it.
      const current = await this.#readDocument(true);
      if (current.status === 'unreadable') {
        throw new ReclaimError('RECLAIM_TOKEN_SOURCE_UNREADABLE', `Cannot write ${this.path}: ${current.reason}`, {
          details: { path: this.path },
        });
      }
      const { result, write } = edit(current);
      if (write === undefined) return result;
      // In slices: a rewrite of a large file must not stall the deletions a cleanup has in flight.
      const text = await serializeTokenDocumentInSlices(write, nextTurn);
      await writeFileAtomically(this.path, text, () => lock.assertHeld());
      this.#parsed = { text, document: write };
      return result;
    });
  }

  /**
   * Adds a token, creating the file (and its folder) when missing. Fails with
   * `RECLAIM_TOKEN_EXISTS` when an entry has that id, `RECLAIM_TOKEN_INVALID` when the token
   * would not read back as a valid one. Times are written as naive UTC ISO-8601 with
   * microseconds, like the original service.
   */
  async addToken(token: NewToken): Promise<TokenEntry> {
    const entry = this.#entryFor(token);
    await mkdir(dirname(this.path), { recursive: true });
    return this.update((current) => {
      const document = current.status === 'ok' ? current.document : emptyTokenDocument();
      if (getTokenValue(document, token.id) !== undefined) {
        throw new ReclaimError('RECLAIM_TOKEN_EXISTS', `A token with id ${JSON.stringify(token.id)} already exists in ${this.path}; pick a new id`, {
          details: { id: token.id },
        });
      }
      addTokenValue(document, token.id, entry);
      const parsed = parseTokenEntry(token.id, entry);
      if (!parsed.ok) throw new ReclaimError('RECLAIM_TOKEN_INVALID', parsed.rejected.reason, { details: { id: token.id } });
      return { result: parsed.entry, write: document };
    });
  }

  /**
   * Takes a token out for its one use: returns it and removes it in one locked step, so across
   * every process sharing the file exactly one caller gets it; every later call gets
   * `undefined`. A rejected (unusable) entry is not redeemable. Expiry is the caller's call:
   * compare `expiresAt` with now.
   */
  redeemToken(id: string): Promise<TokenEntry | undefined> {
    return this.update((current): TokenEdit<TokenEntry | undefined> => {
      if (current.status !== 'ok') return { result: undefined };
      const value = getTokenValue(current.document, id);
      if (value === undefined) return { result: undefined };
      const parsed = parseTokenEntry(id, value);
      if (!parsed.ok) return { result: undefined };
      removeTokenValues(current.document, new Map([[id, undefined]]));
      return { result: parsed.entry, write: current.document };
    });
  }

  /** Removes the entry with this id, usable or not. Returns whether there was one. */
  async removeToken(id: string): Promise<boolean> {
    const removed = await this.removeTokens(new Map([[id, undefined]]));
    return removed.length > 0;
  }

  /**
   * Removes several entries in one locked rewrite. With an expected value for an id (as read
   * earlier), the entry goes only if it is still that value, so a token replaced under the same
   * id meanwhile survives. Ids not present are ignored. Returns the ids removed.
   */
  removeTokens(ids: ReadonlyMap<string, unknown>): Promise<string[]> {
    if (ids.size === 0) return Promise.resolve([]);
    return this.update((current): TokenEdit<string[]> => {
      if (current.status !== 'ok') return { result: [] };
      const removed = removeTokenValues(current.document, ids);
      return removed.length === 0 ? { result: removed } : { result: removed, write: current.document };
    });
  }

  #entryFor(token: NewToken): Record<string, unknown> {
    if (typeof token.id !== 'string' || token.id.length === 0) {
      throw new ReclaimError('RECLAIM_TOKEN_INVALID', 'A token id must be a non-empty string', { details: { field: 'id' } });
    }
    if (typeof token.filePath !== 'string' || token.filePath.length === 0 || token.filePath.includes('\0')) {
      throw new ReclaimError('RECLAIM_TOKEN_INVALID', `Token ${token.id}: filePath must be a non-empty path`, { details: { field: 'filePath' } });
    }
    const createdAt = millis(token.createdAt ?? this.#now(), 'createdAt');
    return {
      ...token.fields,
      token_id: token.id,
      file_path: token.filePath,
      created_at: formatTokenTime(createdAt),
      ...(token.expiresAt === undefined ? {} : { expires_at: formatTokenTime(millis(token.expiresAt, 'expiresAt')) }),
      ...(token.fileSize === undefined ? {} : { file_size: token.fileSize }),
    };
  }

  /**
   * Reads and parses the whole file. `take`: the caller will edit the document, so a cached one
   * is handed over (and forgotten) rather than shared.
   */
  async #readDocument(take: boolean): Promise<Current | { readonly status: 'unreadable'; readonly reason: string }> {
    const cached = this.#parsed;
    if (take) this.#parsed = undefined;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { status: 'missing' };
      return { status: 'unreadable', reason: `the token file ${this.path} cannot be read (${code ?? (error as Error).message})` };
    }
    // The same text parses to the same document: comparing costs milliseconds, parsing 100k
    // entries a few hundred.
    if (cached !== undefined && cached.text === text) return { status: 'ok', document: cached.document };
    const parsed = parseTokenDocument(text);
    if (parsed.status !== 'ok') return { status: 'unreadable', reason: `${this.path}: ${parsed.reason}` };
    if (!take) this.#parsed = { text, document: parsed.document };
    return parsed;
  }
}
