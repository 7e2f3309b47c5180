import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { unlink } from 'node:fs/promises';

/** What became of one path given to {@link Unlinker.remove}. */
export type UnlinkOutcome =
  | { readonly status: 'deleted'; readonly size: number }
  /** Nothing there (or it could not be looked at): done, not freed. */
  | { readonly status: 'gone' }
  /** Not a regular file: left in place. */
  | { readonly status: 'not-a-file'; readonly type: 'symlink' | 'folder' | 'other' }
  /** The unlink was refused: `code` is the system's (`EACCES`, `EBUSY`, …). */
  | { readonly status: 'refused'; readonly code: string; readonly message: string };

/** How an {@link Unlinker} works. */
export interface UnlinkerOptions {
  /**
   * After this many removals, further ones go to a helper process (see {@link Unlinker});
   * `false` keeps every removal in this process. Default 256: small runs never start one.
   */
  readonly helperAfter?: number | false;
  /** Unlinks the helper runs at once (its libuv thread pool). Default 32. */
  readonly helperThreads?: number;
}

function typeOf(stats: { isFile(): boolean; isSymbolicLink(): boolean; isDirectory(): boolean }): 'file' | 'symlink' | 'folder' | 'other' {
  if (stats.isFile()) return 'file';
  if (stats.isSymbolicLink()) return 'symlink';
  return stats.isDirectory() ? 'folder' : 'other';
}

/** The removal itself, in this process: lstat, refuse anything but a regular file, unlink. */
async function removeHere(path: string): Promise<UnlinkOutcome> {
  let stats;
  try {
    stats = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR and the like: no file there.
    return { status: 'gone' };
  }
  if (stats === undefined) return { status: 'gone' };
  const type = typeOf(stats);
  if (type !== 'file') return { status: 'not-a-file', type };
  try {
    await unlink(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'gone' };
    return { status: 'refused', code: code ?? 'UNKNOWN', message: (error as Error).message };
  }
  return { status: 'deleted', size: stats.size };
}

/**
 * The helper's program: the same steps as {@link removeHere}, one JSON line per path in
 * (`[id, path]`), one JSON line per outcome out (`[id, status, size | type | code, message]`).
 * It exits when its input ends and nothing is in flight.
 */
const HELPER_SOURCE = `
const { lstatSync, unlink } = require('node:fs');
let input = '', out = [], flushing = false, inFlight = 0, ended = false;
const flush = () => { flushing = false; const text = out.join(''); out = []; process.stdout.write(text); if (ended && inFlight === 0) process.stdout.end(); };
const reply = (value) => { out.push(JSON.stringify(value) + '\\n'); if (!flushing) { flushing = true; setImmediate(flush); } };
const done = () => { inFlight -= 1; };
function remove(id, path) {
  let stats;
  try { stats = lstatSync(path, { throwIfNoEntry: false }); } catch { return reply([id, 'gone']); }
  if (stats === undefined) return reply([id, 'gone']);
  if (!stats.isFile()) return reply([id, 'not-a-file', stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'folder' : 'other']);
  const size = stats.size;
  inFlight += 1;
  unlink(path, (error) => {
    done();
    if (error === null) reply([id, 'deleted', size]);
    else if (error.code === 'ENOENT') reply([id, 'gone']);
    else reply([id, 'refused', error.code || 'UNKNOWN', error.message]);
  });
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  let start = 0, nl;
  while ((nl = input.indexOf('\\n', start)) >= 0) { const [id, path] = JSON.parse(input.slice(start, nl)); start = nl + 1; remove(id, path); }
  input = input.slice(start);
});
process.stdin.on('end', () => { ended = true; if (!flushing) flush(); });
`;

type Settle = (outcome: UnlinkOutcome) => void;

/**
 * A helper process that unlinks many files at once. A Node process unlinks at most as many
 * files at a time as its libuv thread pool has threads (4 unless `UV_THREADPOOL_SIZE` was set
 * before it started, which an ES module cannot do for itself); on a disk where every unlink
 * waits for a discard, that pool is the bottleneck of a large cleanup. The helper is the same
 * Node binary with a larger pool, fed paths over a pipe.
 */
class UnlinkHelper {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { path: string; settle: Settle }>();
  #nextId = 0;
  #outbox: string[] = [];
  #writeQueued = false;
  #input = '';
  #broken = false;
  #closing = false;
  readonly #onBroken: () => void;

  constructor(threads: number, onBroken: () => void) {
    this.#onBroken = onBroken;
    const env: NodeJS.ProcessEnv = { ...process.env, UV_THREADPOOL_SIZE: String(threads) };
    // Loaders and flags meant for the host (tsx, --cpu-prof, …) have no business in the helper.
    delete env.NODE_OPTIONS;
    this.#child = spawn(process.execPath, ['-e', HELPER_SOURCE], { env, stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true });
    this.#child.on('error', () => this.#fail());
    this.#child.on('exit', () => this.#fail());
    this.#child.stdin?.on('error', () => this.#fail());
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#read(chunk));
    // Never keep the host alive by itself; while removals are pending, the host awaits them.
    this.#child.unref();
    this.#idle();
  }

  get broken(): boolean {
    return this.#broken;
  }

  remove(path: string): Promise<UnlinkOutcome> {
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise<UnlinkOutcome>((settle) => {
      if (this.#pending.size === 0) this.#busy();
      this.#pending.set(id, { path, settle });
      this.#outbox.push(`${JSON.stringify([id, path])}\n`);
      if (!this.#writeQueued) {
        this.#writeQueued = true;
        // Paths asked for in one turn of the event loop go out in one write.
        queueMicrotask(() => this.#write());
      }
    });
  }

  /** Ends the helper's input: it finishes what it has and exits. */
  close(): void {
    this.#closing = true;
    this.#child.stdin?.end();
  }

  #write(): void {
    this.#writeQueued = false;
    if (this.#broken || this.#outbox.length === 0) return;
    const text = this.#outbox.join('');
    this.#outbox = [];
    this.#child.stdin?.write(text);
  }

  #read(chunk: string): void {
    this.#input += chunk;
    let start = 0;
    let nl = this.#input.indexOf('\n', start);
    while (nl >= 0) {
      const [id, status, a, b] = JSON.parse(this.#input.slice(start, nl)) as [number, UnlinkOutcome['status'], unknown, unknown];
      start = nl + 1;
      nl = this.#input.indexOf('\n', start);
      const entry = this.#pending.get(id);
      if (entry === undefined) continue;
      this.#pending.delete(id);
      entry.settle(
        status === 'deleted'
          ? { status, size: a as number }
          : status === 'not-a-file'
            ? { status, type: a as 'symlink' | 'folder' | 'other' }
            : status === 'refused'
              ? { status, code: a as string, message: b as string }
              : { status: 'gone' },
      );
    }
    this.#input = this.#input.slice(start);
    if (this.#pending.size === 0) this.#idle();
  }

  /** The helper died or could not start: what it had not answered is done here instead. */
  #fail(): void {
    if (this.#broken) return;
    this.#broken = true;
    // An exit after close() with nothing pending is the helper's normal end.
    if (!this.#closing || this.#pending.size > 0) this.#onBroken();
    const left = [...this.#pending.values()];
    this.#pending.clear();
    // An unlink the helper did without answering shows up here as gone: done, not freed.
    for (const { path, settle } of left) void removeHere(path).then(settle);
  }

  #busy(): void {
    (this.#child.stdout as { ref?: () => void } | null)?.ref?.();
  }

  #idle(): void {
    (this.#child.stdout as { unref?: () => void } | null)?.unref?.();
    (this.#child.stdin as { unref?: () => void } | null)?.unref?.();
  }
}

/**
 * Removes regular files (lstat, refuse anything else, unlink), in this process or, for large
 * cleanups, through a helper process with a larger thread pool (see {@link UnlinkHelper}), so
 * that many unlinks overlap. The outcome is the same either way; a helper that cannot start or
 * dies hands its unanswered paths back to this process.
 */
export class Unlinker {
  readonly #helperAfter: number | false;
  readonly #threads: number;
  #removals = 0;
  #helper: UnlinkHelper | null = null;
  #helperFailed = false;

  constructor(options: UnlinkerOptions = {}) {
    this.#helperAfter = options.helperAfter ?? 256;
    this.#threads = options.helperThreads ?? 32;
  }

  /** Removes the regular file at an absolute path. Never rejects. */
  remove(path: string): Promise<UnlinkOutcome> {
    this.#removals += 1;
    if (this.#helper === null && !this.#helperFailed && this.#helperAfter !== false && this.#removals > this.#helperAfter) {
      try {
        this.#helper = new UnlinkHelper(this.#threads, () => (this.#helperFailed = true));
      } catch {
        this.#helperFailed = true;
      }
    }
    const helper = this.#helper;
    return helper !== null && !helper.broken ? helper.remove(path) : removeHere(path);
  }

  /** Lets a helper go (it finishes what it has). The next large cleanup starts a new one. */
  close(): void {
    this.#helper?.close();
    this.#helper = null;
    this.#removals = 0;
  }
}
