/**
 * The benchmark's data: a storage folder of N audio files and a token file, generated from a
 * seed. Every attribute of file `i` is a pure function of (seed, i), so a working copy can be
 * restored to its exact initial state after a cleanup by re-creating the files that went.
 *
 * - Sizes are uniform in 1–64 KiB (`st_size`, which usage counts). Only the first
 *   min(size, 4 KiB) bytes are written (seeded random data); the rest is a hole. Every file
 *   therefore owns at least one allocated block, so deleting it frees blocks and pays the
 *   discard this disk charges for every unlink, as the real workload does, while a copy of 100k
 *   files takes ~400 MiB on disk instead of ~3.2 GiB.
 * - mtimes are uniform over 72 h, with no file between 30 h and 42 h old: the cleanup cutoff
 *   is 36 h, and the 6 h margin on each side keeps every tool's selection identical for the
 *   whole benchmark, whenever each tool takes "now".
 * - `tokens` files (the first ones by index) have a token; the rest are orphans. Token times
 *   come in the forms the original service and older writers used (naive ISO with
 *   microseconds, `Z`, epoch seconds; with and without `expires_at`); paths are half absolute,
 *   half relative. 1% more tokens point at files that do not exist, and a few entries are
 *   rejected (no usable time). With a retention of 36 h and an orphan grace of 36 h, reclaim
 *   deletes exactly the files older than 36 h, which `find -mmin +2160 -delete` and find-remove
 *   with `age.seconds = 129600` select too.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  futimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { hash32, randomBytes, unit } from './random.js';

/** How the storage folder is laid out. */
export type Layout = 'flat' | 'sharded';

/** Everything that determines a data set. */
export interface DatasetSpec {
  readonly files: number;
  /** Files with a token (the first `tokens` by index); the others are orphans. */
  readonly tokens: number;
  readonly seed: number;
  readonly layout: Layout;
  /** The moment ages are measured from (epoch ms). */
  readonly nowMs: number;
}

/** What every tool is expected to do to a data set. */
export interface Expectation {
  /** Files older than the cutoff: every tool deletes exactly these. */
  readonly oldFiles: number;
  /** Tokens reclaim removes: the expired ones, with or without a file. */
  readonly expiredTokens: number;
  /** Entries in the token file: tokens, tokens without a file, rejected entries. */
  readonly entries: number;
}

const HOUR = 3_600_000;
/** Retention (reclaim) and age cutoff (find, find-remove), in hours. */
export const CUTOFF_HOURS = 36;
const YOUNG_MAX_HOURS = 30;
const OLD_MIN_HOURS = 42;
const SPAN_HOURS = 72;
const REJECTED_ENTRIES = 5;
const WRITTEN_BYTES = 4096;

/** Where a data set lives: the storage root and the token file beside it (not inside). */
export interface DatasetPaths {
  readonly dir: string;
  readonly storage: string;
  readonly tokenFile: string;
  /** reclaim's default journal beside the token file, and what goes with it. */
  readonly journalPrefix: string;
}

export function datasetPaths(dir: string): DatasetPaths {
  const tokenFile = join(dir, 'recovery_tokens.json');
  return { dir, storage: join(dir, 'storage'), tokenFile, journalPrefix: `${tokenFile}.journal.jsonl` };
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** One file of the data set. */
export interface FileSpec {
  readonly index: number;
  readonly id: string;
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly old: boolean;
}

function ageHours(seed: number, index: number, lane: number): { hours: number; old: boolean } {
  const u = unit(seed, index, lane);
  if (u < 0.5) return { hours: u * 2 * YOUNG_MAX_HOURS, old: false };
  return { hours: OLD_MIN_HOURS + (u - 0.5) * 2 * (SPAN_HOURS - OLD_MIN_HOURS), old: true };
}

function keyOf(id: string, layout: Layout): string {
  return layout === 'flat' ? `${id}.wav` : `${id.slice(0, 2)}/${id.slice(2, 4)}/${id}.wav`;
}

/** File `index` of a data set. */
export function fileSpec(spec: DatasetSpec, index: number): FileSpec {
  const id = hex8(hash32(spec.seed, index, 0)) + hex8(index);
  const size = 1024 + Math.floor(unit(spec.seed, index, 1) * (65536 - 1024 + 1));
  const age = ageHours(spec.seed, index, 2);
  return { index, id, key: keyOf(id, spec.layout), size, mtimeMs: Math.round(spec.nowMs - age.hours * HOUR), old: age.old };
}

/** Counts what every tool should delete, without touching the disk. */
export function expectation(spec: DatasetSpec): Expectation {
  let oldFiles = 0;
  let expiredTokens = 0;
  for (let i = 0; i < spec.files; i += 1) {
    if (ageHours(spec.seed, i, 2).old) {
      oldFiles += 1;
      if (i < spec.tokens) expiredTokens += 1;
    }
  }
  const ghosts = ghostCount(spec);
  for (let g = 0; g < ghosts; g += 1) if (ageHours(spec.seed, g, 7).old) expiredTokens += 1;
  return { oldFiles, expiredTokens, entries: spec.tokens + ghosts + REJECTED_ENTRIES };
}

function ghostCount(spec: DatasetSpec): number {
  return Math.floor(spec.tokens / 100);
}

/** Writes files; one instance per generation or restore. */
class FileWriter {
  readonly #storage: string;
  readonly #data: Buffer;
  readonly #dirs = new Set<string>();

  constructor(storage: string, seed: number) {
    this.#storage = storage;
    this.#data = randomBytes(seed, 65536);
    mkdirSync(storage, { recursive: true });
  }

  write(file: FileSpec): void {
    const slash = file.key.lastIndexOf('/');
    if (slash > 0) {
      const dir = file.key.slice(0, slash);
      if (!this.#dirs.has(dir)) {
        mkdirSync(join(this.#storage, dir), { recursive: true });
        this.#dirs.add(dir);
      }
    }
    // 'wx': a file that should have been deleted and was not makes the restore fail loudly.
    const fd = openSync(join(this.#storage, file.key), 'wx');
    try {
      const offset = (file.index * 64) % (this.#data.length - WRITTEN_BYTES);
      writeSync(fd, this.#data, offset, Math.min(file.size, WRITTEN_BYTES));
      if (file.size > WRITTEN_BYTES) ftruncateSync(fd, file.size);
      const seconds = file.mtimeMs / 1000;
      futimesSync(fd, seconds, seconds);
    } finally {
      closeSync(fd);
    }
  }
}

function naiveIso(ms: number): string {
  // The original service wrote naive UTC with microseconds.
  return `${new Date(ms).toISOString().slice(0, -1)}000`;
}

/** The token file's entry for a token, in one of the forms writers used. */
function tokenEntry(spec: DatasetSpec, paths: DatasetPaths, id: string, key: string, createdMs: number, size: number, lane: number): Record<string, unknown> {
  const form = hash32(spec.seed, lane, 3) % 10;
  const absolute = (hash32(spec.seed, lane, 5) & 1) === 0;
  const entry: Record<string, unknown> = { token_id: id, file_path: absolute ? `${paths.storage}/${key}` : key };
  if (form <= 3) {
    entry.created_at = naiveIso(createdMs);
    entry.expires_at = naiveIso(createdMs + CUTOFF_HOURS * HOUR);
  } else if (form <= 6) {
    entry.created_at = new Date(createdMs).toISOString();
    entry.expires_at = new Date(createdMs + 48 * HOUR).toISOString();
  } else if (form <= 8) {
    entry.created_at = naiveIso(createdMs);
  } else {
    entry.created_at = Math.floor(createdMs / 1000);
    entry.expires_at = Math.floor(createdMs / 1000) + CUTOFF_HOURS * 3600;
  }
  entry.file_size = size;
  return entry;
}

/**
 * Writes the token file (object form, two-space indent, as Python's `json.dump(indent=2)`)
 * by streaming entries: a 1M-token file is ~200 MB of text.
 */
export function writeTokenFile(spec: DatasetSpec, paths: DatasetPaths): void {
  const fd = openSync(paths.tokenFile, 'w');
  let chunk = '{\n';
  let first = true;
  const put = (id: string, entry: Record<string, unknown>): void => {
    const body = JSON.stringify(entry, null, 2).replace(/\n/g, '\n  ');
    chunk += `${first ? '' : ',\n'}  ${JSON.stringify(id)}: ${body}`;
    first = false;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  };
  try {
    for (let i = 0; i < spec.tokens; i += 1) {
      const file = fileSpec(spec, i);
      // A token is created a few seconds before its file's last write.
      const createdMs = file.mtimeMs - (hash32(spec.seed, i, 4) % 5000);
      put(file.id, tokenEntry(spec, paths, file.id, file.key, createdMs, file.size, i));
    }
    for (let g = 0; g < ghostCount(spec); g += 1) {
      const id = `ghost${hex8(g)}`;
      const age = ageHours(spec.seed, g, 7);
      put(id, tokenEntry(spec, paths, id, `missing/${id}.wav`, Math.round(spec.nowMs - age.hours * HOUR), 4096, spec.files + g));
    }
    for (let r = 0; r < REJECTED_ENTRIES; r += 1) {
      const id = `rejected${r}`;
      put(id, { token_id: id, file_path: `missing/${id}.wav`, created_at: 'not a date' });
    }
    chunk += '\n}\n';
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Removes reclaim's journal (and its lock and temp files) so every run starts fresh. */
export function removeJournal(paths: DatasetPaths): void {
  for (const name of readdirSync(paths.dir)) {
    const full = join(paths.dir, name);
    if (full === paths.journalPrefix || full.startsWith(`${paths.journalPrefix}.`) || name.startsWith('recovery_tokens.json.')) {
      rmSync(full, { recursive: true, force: true });
    }
  }
}

/** Generates a data set from scratch in `dir` (which must not exist yet). */
export function generate(spec: DatasetSpec, dir: string, progress?: (done: number) => void): DatasetPaths {
  const paths = datasetPaths(dir);
  const writer = new FileWriter(paths.storage, spec.seed);
  for (let i = 0; i < spec.files; i += 1) {
    writer.write(fileSpec(spec, i));
    if (progress !== undefined && (i + 1) % 50_000 === 0) progress(i + 1);
  }
  writeTokenFile(spec, paths);
  return paths;
}

/**
 * Puts a data set back as it was generated after a cleanup deleted the old files: re-creates
 * them (failing if one is still there), rewrites the token file, removes the journal.
 */
export function restore(spec: DatasetSpec, paths: DatasetPaths): void {
  const writer = new FileWriter(paths.storage, spec.seed);
  for (let i = 0; i < spec.files; i += 1) {
    const file = fileSpec(spec, i);
    if (file.old) writer.write(file);
  }
  writeTokenFile(spec, paths);
  removeJournal(paths);
}

/** True when `existsSync` finds the token file: a cheap sanity check for callers. */
export function hasTokenFile(paths: DatasetPaths): boolean {
  return existsSync(paths.tokenFile);
}
