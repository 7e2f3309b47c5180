/**
 * The benchmark's data: a storage folder of N audio files and a token file, generated from a
 * seed. Every attribute of file `i` is a pure function of (seed, i), so a working copy can be
 * put back in its exact initial state after a cleanup: the files older than the cutoff (the
 * ones every tool deletes) are written ahead into staged copies beside the storage folder, and
 * a restore renames one copy's files into it.
 *
 * Why staged copies: on this disk, re-creating 50k files in the folder they were just deleted
 * from took 16–24 s (366 µs per `open(O_CREAT)`), while writing them into a fresh folder took
 * 2–8 s, four copies side by side 4.9 s each, and renaming them into place 1.0–1.4 s. The
 * renamed files are the same files: their blocks are written and synced before the cleanup,
 * which frees them as it would have.
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
  renameSync,
  rmdirSync,
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

/**
 * The index of the file at a key of either layout: the last 8 hex digits before `.wav` (see
 * {@link fileSpec}), read back without a lookup table.
 */
export function fileIndexOfKey(key: string): number {
  return Number.parseInt(key.slice(key.length - 12, key.length - 4), 16);
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

/** Makes the folders of the keys below a root as they come, each once. */
class Folders {
  readonly #root: string;
  readonly #made = new Set<string>();

  constructor(root: string) {
    this.#root = root;
    mkdirSync(root, { recursive: true });
  }

  /** The path of `key` below the root, its folder made. */
  pathOf(key: string): string {
    const slash = key.lastIndexOf('/');
    if (slash > 0) {
      const dir = key.slice(0, slash);
      if (!this.#made.has(dir)) {
        mkdirSync(join(this.#root, dir), { recursive: true });
        this.#made.add(dir);
      }
    }
    return join(this.#root, key);
  }
}

/** The files past the cutoff: the ones every tool deletes, which staged copies hold. */
function* filesPastCutoff(spec: DatasetSpec): Generator<FileSpec> {
  for (let i = 0; i < spec.files; i += 1) {
    const file = fileSpec(spec, i);
    if (file.old) yield file;
  }
}

/** Writes files under a root (the storage folder or a staged copy); one instance per pass. */
class FileWriter {
  readonly #folders: Folders;
  readonly #data: Buffer;

  constructor(root: string, seed: number) {
    this.#folders = new Folders(root);
    this.#data = randomBytes(seed, 65536);
  }

  /** Writes a file at `name` below the root (its key unless given). */
  write(file: FileSpec, name = file.key): void {
    // 'wx': a file that is already there makes the pass fail loudly.
    const fd = openSync(this.#folders.pathOf(name), 'wx');
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

/**
 * Generates a data set in `dir` (which must not exist yet): the token file and the files, the
 * ones past the cutoff only when `withOld` (else they come from a staged copy, see
 * {@link stageOldFiles}).
 */
export function generate(spec: DatasetSpec, dir: string, options: { withOld: boolean; progress?: (done: number) => void }): DatasetPaths {
  const paths = datasetPaths(dir);
  const writer = new FileWriter(paths.storage, spec.seed);
  for (let i = 0; i < spec.files; i += 1) {
    const file = fileSpec(spec, i);
    if (options.withOld || !file.old) writer.write(file);
    if (options.progress !== undefined && (i + 1) % 50_000 === 0) options.progress(i + 1);
  }
  writeTokenFile(spec, paths);
  return paths;
}

/** Where a file goes in a staged copy: flat, by its id (shard folders would cost a mkdir each). */
function stagedName(file: FileSpec): string {
  return `${file.id}.wav`;
}

/**
 * Writes the files past the cutoff into `copyDir` (a folder that must not exist yet, outside
 * the storage folder), all in that one folder. Returns how many it wrote. Synchronous calls:
 * through the thread pool, each file's five calls took 4× as long (8.4 s against 2.0 s for
 * 50k files), so copies are staged side by side in child processes (`probes/stage-copy.ts`).
 */
export function stageOldFiles(spec: DatasetSpec, copyDir: string): number {
  const writer = new FileWriter(copyDir, spec.seed);
  let written = 0;
  for (const file of filesPastCutoff(spec)) {
    writer.write(file, stagedName(file));
    written += 1;
  }
  return written;
}

/** Renames a whole set's files past the cutoff out of its storage folder into `copyDir`, as staged. */
export function stashOldFiles(spec: DatasetSpec, paths: DatasetPaths, copyDir: string): void {
  mkdirSync(copyDir);
  for (const file of filesPastCutoff(spec)) renameSync(join(paths.storage, file.key), join(copyDir, stagedName(file)));
}

/**
 * Puts a data set back as it was generated, once a cleanup deleted the files past the cutoff:
 * renames a staged copy's files into the storage folder and removes the emptied copy, rewrites
 * the token file, removes the journal. The caller checks beforehand that those files are gone
 * (a rename would replace one that is not) and afterwards that the folder is whole.
 */
export function restoreFromCopy(spec: DatasetSpec, paths: DatasetPaths, copyDir: string): void {
  const storage = new Folders(paths.storage);
  for (const file of filesPastCutoff(spec)) renameSync(join(copyDir, stagedName(file)), storage.pathOf(file.key));
  // Fails (ENOTEMPTY) if a file is left.
  rmdirSync(copyDir);
  writeTokenFile(spec, paths);
  removeJournal(paths);
}

/** True when `existsSync` finds the token file: a cheap sanity check for callers. */
export function hasTokenFile(paths: DatasetPaths): boolean {
  return existsSync(paths.tokenFile);
}
