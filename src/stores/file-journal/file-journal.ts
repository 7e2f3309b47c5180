import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  EVENT_VERSION,
  ReclaimError,
  checkEvent,
  isoUtc,
  systemClock,
  type Clock,
  type DomainEvent,
  type Journal,
  type JournalEntry,
  type NewEvent,
} from '../../kernel/index.js';
import { fsyncDirectory, writeFully } from '../fs/durability.js';
import { hotLine } from './hot-events.js';
import { resolveFileJournalOptions, type FileJournalOptions, type ResolvedFileJournalOptions } from './file-journal-options.js';
import { lockJournal, type JournalLock } from './journal-lock.js';
import { readLines, type RawLine } from './line-reader.js';
import { parseLine } from './parse-line.js';

/** A line reported and not trusted: where it is (1-based line number) and why. */
export interface JournalProblem {
  readonly position: number;
  readonly reason: string;
}

/** What opening the journal found in the existing file. */
export interface FileJournalOpenReport {
  /** Valid events found. */
  readonly events: number;
  /** Corrupt, foreign or out-of-order lines, and the torn last line if there was one. */
  readonly invalid: readonly JournalProblem[];
  /** Bytes of a torn last line truncated away (0 when the file ended cleanly). */
  readonly truncatedBytes: number;
}

/** Counters of the journal's I/O since it was opened, for diagnostics and tests. */
export interface FileJournalStats {
  /** `write` calls on the file: appends in one tick share one. */
  readonly writes: number;
  readonly fsyncs: number;
  readonly eventsAppended: number;
  readonly compactions: number;
}

/**
 * An append-only journal in a JSON-lines file: one event per line.
 *
 * Durability: an `append` resolves once its bytes were handed to the operating system, so a
 * process crash (even `kill -9`) loses nothing acknowledged. A power loss can lose what was
 * written since the last fsync, which happens on `sync()`, `close()` and compaction, every
 * `fsyncIntervalMs` when set, or before every acknowledgement with `fsyncOnAppend`.
 */
export interface FileJournal extends Journal {
  /** Absolute path of the journal file. */
  readonly path: string;
  /** The lock directory held while the journal is open. */
  readonly lockPath: string;
  /**
   * Every path the journal owns (file, lock, compaction temp file): a storage scan must treat
   * them as reserved and never delete them.
   */
  readonly reservedPaths: readonly string[];
  /** What opening found in the existing file. */
  readonly openReport: FileJournalOpenReport;
  readonly stats: FileJournalStats;
  /**
   * Atomically replaces the file with the one `JournalCompacted` line (temp file, fsync,
   * rename, fsync of the folder). Rejects with `RECLAIM_JOURNAL_SEQ_CONFLICT` when events were
   * appended after `snapshot.data.throughSeq`: they are not in the snapshot and would be lost.
   */
  compact(snapshot: NewEvent<'JournalCompacted'>): Promise<DomainEvent<'JournalCompacted'>>;
  /** Bytes in the file. */
  size(): number;
  /** fsyncs what was written, so it also survives a power loss. */
  sync(): Promise<void>;
  /** Writes what is pending, fsyncs, closes the file and releases the lock. Idempotent. */
  close(): Promise<void>;
}

interface PendingAppend {
  readonly text: string;
  readonly events: readonly DomainEvent[];
  readonly resolve: (events: readonly DomainEvent[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A problem found at open that is no longer in the file (the torn tail): reported by reads. */
interface RepairNote {
  readonly offset: number;
  readonly entry: JournalEntry;
}

/** Puts the envelope first so lines read well: `{type, v, seq, at, runId?, data}`. */
function envelope(event: NewEvent, seq: number, at: string): DomainEvent {
  const { type, runId, data } = event;
  return (runId === undefined ? { type, v: EVENT_VERSION, seq, at, data } : { type, v: EVENT_VERSION, seq, at, runId, data }) as DomainEvent;
}

/**
 * Serialises one event and checks that what a later open will read back is a valid event, so
 * that nothing is acknowledged that replay would reject (NaN, undefined, wrong shapes).
 *
 * The per-item events a cleanup appends by the thousand are checked by hand by {@link hotLine};
 * anything it is not sure of takes the round trip through the text and is checked against its
 * schema as replay will see it.
 */
function serialise(event: NewEvent, seq: number, at: string, index: number): { line: string; event: DomainEvent } {
  const sequenced = envelope(event, seq, at);
  const hot = hotLine(sequenced);
  if (hot !== undefined) return { line: `${hot}\n`, event: sequenced };
  const line = JSON.stringify(sequenced);
  const check = checkEvent(JSON.parse(line));
  if (!check.ok) {
    throw new ReclaimError(
      'RECLAIM_JOURNAL_INVALID_ENTRY',
      `Event ${index + 1} of this append (${String(event.type)}) cannot be journaled: ${check.reason}. Give it data that matches its schema in EVENT_DATA_SCHEMAS; nothing of this append was written.`,
      { details: { type: event.type, reason: check.reason } },
    );
  }
  return { line: `${line}\n`, event: check.event };
}

class JsonLinesJournal implements FileJournal {
  readonly path: string;
  readonly lockPath: string;
  readonly reservedPaths: readonly string[];
  readonly openReport: FileJournalOpenReport;
  readonly #tempPath: string;
  readonly #options: ResolvedFileJournalOptions;
  readonly #clock: Clock;
  readonly #lock: JournalLock;
  #handle: FileHandle;
  #size: number;
  #lastSeq: number;
  #repair: RepairNote | null;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  /** Every operation on the file runs on this chain, one at a time, in call order. */
  #tail: Promise<void> = Promise.resolve();
  #dirty = false;
  #failure: ReclaimError | null = null;
  #closing: Promise<void> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #stats = { writes: 0, fsyncs: 0, eventsAppended: 0, compactions: 0 };

  constructor(init: {
    options: ResolvedFileJournalOptions;
    clock: Clock;
    lock: JournalLock;
    handle: FileHandle;
    size: number;
    lastSeq: number;
    report: FileJournalOpenReport;
    repair: RepairNote | null;
  }) {
    this.path = init.options.path;
    this.lockPath = init.lock.lockPath;
    this.#tempPath = compactionTempPath(this.path);
    this.reservedPaths = Object.freeze([this.path, this.lockPath, this.#tempPath]);
    this.openReport = init.report;
    this.#options = init.options;
    this.#clock = init.clock;
    this.#lock = init.lock;
    this.#handle = init.handle;
    this.#size = init.size;
    this.#lastSeq = init.lastSeq;
    this.#repair = init.repair;
    const interval = init.options.fsyncIntervalMs;
    if (interval !== null) {
      this.#timer = setInterval(() => {
        if (this.#dirty) this.sync().catch(() => undefined);
      }, interval);
      // The timer never keeps a process alive on its own; close() fsyncs anyway.
      this.#timer.unref();
    }
  }

  /** Called by the lock when it was lost: no more appends, they could interleave with another writer's. */
  lockLost(error: ReclaimError): void {
    this.#failure ??= error;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get stats(): FileJournalStats {
    return { ...this.#stats };
  }

  size(): number {
    return this.#size;
  }

  append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> {
    const refused = this.#refusal();
    if (refused !== null) return Promise.reject(refused);
    if (events.length === 0) return Promise.resolve([]);
    const at = isoUtc(this.#clock.now());
    let text = '';
    const sequenced: DomainEvent[] = [];
    try {
      events.forEach((event, index) => {
        const { line, event: stored } = serialise(event, this.#lastSeq + index + 1, at, index);
        text += line;
        sequenced.push(stored);
      });
    } catch (error) {
      return Promise.reject(error);
    }
    // Seqs are taken now, in call order; the file gets lines in the same order.
    this.#lastSeq += events.length;
    return new Promise((resolve, reject) => {
      this.#pending.push({ text, events: sequenced, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Queued behind whatever runs now: appends made meanwhile join this one write.
        void this.#exclusive(() => this.#flush());
      }
    });
  }

  async *read(fromSeq = 1): AsyncIterable<JournalEntry> {
    const refused = this.#closing === null ? null : closedError(this.path);
    if (refused !== null) throw refused;
    // Opened on the operation chain: everything appended before is written, and no compaction
    // swaps the file between taking its size and opening it.
    const { handle, end, repair } = await this.#exclusive(async () => ({
      handle: await open(this.path, 'r'),
      end: this.#size,
      repair: this.#repair,
    }));
    try {
      yield* entriesFrom(readLines(handle, { end }), fromSeq, repair);
    } finally {
      await handle.close();
    }
  }

  compact(snapshot: NewEvent<'JournalCompacted'>): Promise<DomainEvent<'JournalCompacted'>> {
    const refused = this.#refusal();
    if (refused !== null) return Promise.reject(refused);
    return this.#exclusive(async () => {
      await this.#flush();
      const throughSeq = snapshot.data.throughSeq;
      if (throughSeq !== this.#lastSeq) {
        throw new ReclaimError(
          'RECLAIM_JOURNAL_SEQ_CONFLICT',
          `Cannot compact journal ${this.path} through seq ${throughSeq}: it holds events up to seq ${this.#lastSeq}, ` +
            `which the snapshot does not cover and compaction would lose. Take a fresh snapshot with throughSeq = lastSeq.`,
          { details: { throughSeq, lastSeq: this.#lastSeq } },
        );
      }
      const { line, event } = serialise(snapshot, this.#lastSeq + 1, isoUtc(this.#clock.now()), 0);
      this.#lastSeq = event.seq;
      await this.#replaceWith(line);
      this.#repair = null;
      this.#stats.compactions += 1;
      return event as DomainEvent<'JournalCompacted'>;
    });
  }

  sync(): Promise<void> {
    const refused = this.#closing === null ? null : closedError(this.path);
    if (refused !== null) return Promise.reject(refused);
    return this.#exclusive(() => this.#fsync());
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    try {
      await this.#exclusive(async () => {
        await this.#flush();
        try {
          await this.#fsync();
        } catch (error) {
          // A journal that already failed has said so; closing it must still let go of the lock.
          if (this.#failure === null) throw error;
        }
      });
    } finally {
      await this.#handle.close().catch(() => undefined);
      await this.#lock.release();
    }
  }

  #refusal(): ReclaimError | null {
    if (this.#closing !== null) return closedError(this.path);
    return this.#failure;
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(operation);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Writes every pending append in one write, then resolves them. Runs on the chain. */
  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    if (this.#failure !== null) {
      for (const item of batch) item.reject(this.#failure);
      return;
    }
    const data = Buffer.from(batch.map((item) => item.text).join(''), 'utf8');
    try {
      await writeFully(this.#handle, data);
      this.#stats.writes += 1;
      this.#size += data.length;
      this.#dirty = true;
      if (this.#options.fsyncOnAppend) await this.#fsync();
    } catch (error) {
      const failure = await this.#undoPartialWrite(error);
      for (const item of batch) item.reject(failure);
      return;
    }
    for (const item of batch) {
      this.#stats.eventsAppended += item.events.length;
      item.resolve(item.events);
    }
  }

  /**
   * After a failed write, cuts the file back to its last complete line, so that the next write
   * does not glue a valid line onto a fragment. If even that fails the journal refuses further
   * appends: reopening it repairs the torn tail.
   */
  async #undoPartialWrite(error: unknown): Promise<ReclaimError> {
    const failure = new ReclaimError(
      'RECLAIM_JOURNAL_WRITE_FAILED',
      `Could not write to journal ${this.path}: ${(error as Error).message}. Free disk space or fix permissions; nothing of this append was kept.`,
      { details: { path: this.path }, cause: error },
    );
    try {
      await this.#handle.truncate(this.#size);
    } catch {
      this.#failure = failure;
    }
    return failure;
  }

  async #fsync(): Promise<void> {
    if (!this.#dirty) return;
    await this.#handle.sync();
    this.#dirty = false;
    this.#stats.fsyncs += 1;
  }

  /** Atomic replacement of the file by `content` (temp file, fsync, rename, fsync folder). */
  async #replaceWith(content: string): Promise<void> {
    const temp = await open(this.#tempPath, 'w');
    try {
      await writeFully(temp, Buffer.from(content, 'utf8'));
      await temp.sync();
      this.#stats.fsyncs += 1;
      await temp.close();
      await rename(this.#tempPath, this.path);
    } catch (error) {
      await temp.close().catch(() => undefined);
      await rm(this.#tempPath, { force: true }).catch(() => undefined);
      throw error;
    }
    // The old file is gone from the folder now: appends must go to the new one, whatever else fails.
    const previous = this.#handle;
    try {
      this.#handle = await open(this.path, 'a+');
    } catch (error) {
      this.#failure = new ReclaimError(
        'RECLAIM_JOURNAL_WRITE_FAILED',
        `Journal ${this.path} was compacted but could not be reopened for appending (${(error as Error).message}); close it and open it again.`,
        { cause: error },
      );
      throw this.#failure;
    } finally {
      await previous.close().catch(() => undefined);
    }
    this.#size = Buffer.byteLength(content, 'utf8');
    this.#dirty = false;
    await fsyncDirectory(dirname(this.path));
  }
}

function closedError(path: string): ReclaimError {
  return new ReclaimError('RECLAIM_JOURNAL_CLOSED', `Journal ${path} was closed; open it again to use it.`, { details: { path } });
}

function compactionTempPath(path: string): string {
  return `${path}.compacting.tmp`;
}

/**
 * Turns raw lines into journal entries from `fromSeq` on. Invalid lines are reported once the
 * read has reached `fromSeq` (those between the last event before it and the first at or after
 * it cannot be placed, so they are reported too); the torn tail repaired at open is reported at
 * the offset where it stood.
 */
async function* entriesFrom(
  lines: AsyncIterable<RawLine>,
  fromSeq: number,
  repair: RepairNote | null,
): AsyncGenerator<JournalEntry> {
  let previousSeq = 0;
  let reached = fromSeq <= 1;
  let held: JournalEntry[] = [];
  let note = repair;
  const report = function* (entry: JournalEntry): Generator<JournalEntry> {
    if (reached) yield entry;
    else held.push(entry);
  };
  for await (const raw of lines) {
    if (note !== null && raw.offset >= note.offset) {
      yield* report(note.entry);
      note = null;
    }
    const verdict = parseLine(raw, previousSeq);
    if (!verdict.ok) {
      yield* report({ kind: 'invalid', position: raw.line, reason: verdict.reason });
      continue;
    }
    previousSeq = verdict.event.seq;
    if (verdict.event.seq < fromSeq) {
      held = [];
      continue;
    }
    if (!reached) {
      reached = true;
      yield* held;
      held = [];
    }
    yield { kind: 'event', event: verdict.event };
  }
  if (note !== null) yield* report(note.entry);
  yield* held;
}

/**
 * Opens (or creates) a JSON-lines journal and takes its exclusive lock. Every existing line is
 * validated: corrupt, foreign or out-of-order lines are reported (`openReport`, and as `invalid`
 * entries by `read`) and never trusted; a torn last line left by a crash is truncated away.
 * `lastSeq` continues after the highest valid seq. A second opener, in this process or another,
 * gets a `RECLAIM_JOURNAL_LOCKED` error.
 *
 * @example
 * const journal = await openFileJournal({ path: './recovery_tokens.journal.jsonl' });
 * const kernel = createKernel({ store, journal, policies });
 * await kernel.ready; // projections rebuilt from the file
 * await kernel.run();
 * await kernel.close(); // closes the journal: fsync and unlock
 */
export async function openFileJournal(options: FileJournalOptions): Promise<FileJournal> {
  const resolved = resolveFileJournalOptions(options);
  const path = resolve(resolved.path);
  const config = { ...resolved, path };
  await mkdir(dirname(path), { recursive: true });
  // The lock can only be lost once the journal exists; the holder forwards it then.
  const holder: { journal?: JsonLinesJournal } = {};
  const lock = await lockJournal(path, {
    staleMs: config.lockStaleMs,
    waitMs: config.lockWaitMs,
    onLost: (error) => holder.journal?.lockLost(error),
  });
  let handle: FileHandle | undefined;
  try {
    // A temp file left by a compaction that died before its rename: the old file is intact.
    await rm(compactionTempPath(path), { force: true });
    handle = await open(path, 'a+');
    const scan = await scanFile(handle);
    if (scan.torn !== null) {
      await handle.truncate(scan.torn.offset);
      await handle.sync();
    }
    holder.journal = new JsonLinesJournal({
      options: config,
      clock: options.clock ?? systemClock,
      lock,
      handle,
      size: scan.torn === null ? scan.size : scan.torn.offset,
      lastSeq: scan.lastSeq,
      report: { events: scan.events, invalid: scan.invalid, truncatedBytes: scan.torn?.bytes ?? 0 },
      repair:
        scan.torn === null
          ? null
          : {
              offset: scan.torn.offset,
              entry: {
                kind: 'invalid',
                position: scan.torn.line,
                reason: `torn last line (${scan.torn.bytes} bytes without a trailing newline, left by a crash): truncated when the journal was opened`,
              },
            },
    });
    return holder.journal;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

interface FileScan {
  readonly size: number;
  readonly lastSeq: number;
  readonly events: number;
  readonly invalid: JournalProblem[];
  readonly torn: { readonly offset: number; readonly bytes: number; readonly line: number } | null;
}

/** Validates every line of the file, streaming; finds the highest valid seq and a torn tail. */
async function scanFile(handle: FileHandle): Promise<FileScan> {
  const { size } = await handle.stat();
  let lastSeq = 0;
  let events = 0;
  const invalid: JournalProblem[] = [];
  let torn: FileScan['torn'] = null;
  for await (const raw of readLines(handle, { end: size })) {
    if (!raw.terminated) {
      torn = { offset: raw.offset, bytes: raw.bytes, line: raw.line };
      invalid.push({ position: raw.line, reason: `torn last line (${raw.bytes} bytes without a trailing newline): truncated` });
      break;
    }
    const verdict = parseLine(raw, lastSeq);
    if (verdict.ok) {
      lastSeq = verdict.event.seq;
      events += 1;
    } else {
      invalid.push({ position: raw.line, reason: verdict.reason });
    }
  }
  return { size, lastSeq, events, invalid, torn };
}

/**
 * Opens file journals: `FileJournal.open(options)` is {@link openFileJournal}.
 */
export const FileJournal = Object.freeze({ open: openFileJournal });
