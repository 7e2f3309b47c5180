/**
 * Probe: the kernel's own cost per storage event. A no-op store streams synthetic records and
 * files (the data set's, generated in memory before the clock starts) and removes at once; the
 * server policies (expiry, orphan, emergency) plan over them exactly as in `reclaim run`.
 * The journal is either a discarding one (sequences events, keeps nothing: the pipeline alone)
 * or the real JSON-lines file journal (pipeline plus journaling).
 * The storage stream is either observed (a subscriber counts its events, for events per second)
 * or unobserved, as in `reclaim run`, where nothing subscribes to it: the kernel then skips
 * publishing each event, and the time is the kernel's alone (the share of a cleanup).
 * Usage: pipeline.mjs <files> <tokens> <seed> <nowMs> <discard|file:PATH> <count|unobserved>
 */
import 'reflect-metadata';
import { Observable } from 'rxjs';
import { createKernel, isoUtc, EVENT_VERSION, type DomainEvent, type Journal, type JournalEntry, type NewEvent } from '../../src/kernel/index.js';
import type { ObservedFile, RecordSnapshot, RemovalResult, ScanOptions, Store, StoredRecord, Target, Usage } from '../../src/kernel/index.js';
import { serverPolicies } from '../../src/node/cleanup-service.js';
import { resolveServiceOptions } from '../../src/node/options.js';
import { openFileJournal } from '../../src/stores/file-journal/index.js';
import { CUTOFF_HOURS, fileIndexOfKey, fileSpec, type DatasetSpec } from '../lib/dataset.js';
import { arg, report } from './report.js';

const spec: DatasetSpec = {
  files: Number(arg(0, 'files')),
  tokens: Number(arg(1, 'tokens')),
  seed: Number(arg(2, 'seed')),
  layout: 'flat',
  nowMs: Number(arg(3, 'nowMs')),
};
const journalMode = arg(4, 'journal');
const storageStream = arg(5, 'storage stream');
if (storageStream !== 'count' && storageStream !== 'unobserved') throw new Error(`storage stream must be count or unobserved, not ${storageStream}`);

const records: StoredRecord[] = [];
const files: ObservedFile[] = [];
let usedBytes = 0;
for (let i = 0; i < spec.files; i += 1) {
  const file = fileSpec(spec, i);
  files.push({ key: file.key, size: file.size, mtimeMs: file.mtimeMs, type: 'file' });
  usedBytes += file.size;
  if (i < spec.tokens) {
    records.push({
      id: file.id,
      kind: 'token',
      createdAt: file.mtimeMs,
      bytes: file.size,
      file: { path: file.key, key: file.key, inRoot: true, exists: true, size: file.size },
      refs: [file.key],
    });
  }
}

/**
 * Removed files, so a removed file is not scanned again (as on disk). A removed file's index is
 * read from its key (`fileIndexOfKey`): a lookup in a 100k-entry map cost this no-op store about
 * as much as the kernel's planning (~0.6 µs a removal).
 */
const removed = new Uint8Array(spec.files);
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A store with nothing behind it: the scan emits the prepared files, removals succeed at once. */
class NoopStore implements Store {
  readonly name = 'noop';
  #used = usedBytes;

  loadRecords(): Promise<RecordSnapshot> {
    return Promise.resolve({ source: { status: 'ok' }, records, rejected: [] });
  }

  scanFiles(options: ScanOptions = {}): Observable<ObservedFile> {
    return new Observable<ObservedFile>((subscriber) => {
      let stopped = false;
      void (async () => {
        // Chunks of 1024 with a pace and a yield between them, as the folder walk does.
        for (let i = 0; i < files.length && !stopped; i += 1) {
          if (removed[i] === 0) subscriber.next(files[i] as ObservedFile);
          if ((i + 1) % 1024 === 0) {
            await options.pace?.();
            await immediate();
          }
        }
        subscriber.complete();
      })().catch((error: unknown) => subscriber.error(error));
      return () => {
        stopped = true;
      };
    });
  }

  measure(): Promise<Usage> {
    return Promise.resolve({ usedBytes: this.#used, limitBytes: null });
  }

  remove(target: Target): Promise<RemovalResult> {
    const bytes = 1;
    this.#used -= bytes;
    const key = target.kind === 'file' ? target.path : target.file;
    if (key !== undefined) removed[fileIndexOfKey(key)] = 1;
    return Promise.resolve(
      target.kind === 'file'
        ? { status: 'deleted', records: 0, files: 1, bytes }
        : { status: 'deleted', records: 1, files: target.file === undefined ? 0 : 1, bytes },
    );
  }
}

/** Sequences events and keeps none: what the kernel costs without any journal I/O. */
class DiscardingJournal implements Journal {
  lastSeq = 0;
  append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> {
    const at = isoUtc(Date.now());
    return Promise.resolve(events.map((e) => ({ type: e.type, v: EVENT_VERSION, seq: ++this.lastSeq, at, runId: e.runId, data: e.data }) as DomainEvent));
  }
  async *read(): AsyncIterable<JournalEntry> {
    // Nothing is kept.
  }
}

const journal: Journal = journalMode === 'discard' ? new DiscardingJournal() : await openFileJournal({ path: journalMode.replace(/^file:/, '') });
const options = resolveServiceOptions({ retentionHours: CUTOFF_HOURS, orphanGraceMinutes: CUTOFF_HOURS * 60, maxStorageMB: 1_000_000 });
const kernel = createKernel({
  store: new NoopStore(),
  journal,
  policies: serverPolicies(options),
  config: { concurrency: options.concurrency, retentionHours: options.retentionHours, compactAfterEvents: options.compactAfterEvents },
});
await kernel.ready;
let counted = 0;
if (storageStream === 'count') kernel.storage$.subscribe(() => (counted += 1));
const started = performance.now();
const result = await kernel.run();
const runMs = performance.now() - started;
await kernel.close();
const storageEvents = storageStream === 'count' ? counted : null;
report({ runMs, storageEvents, eventsPerSec: storageEvents === null ? null : storageEvents / (runMs / 1000), deleted: result.totals.deleted, journalEvents: journal.lastSeq });
