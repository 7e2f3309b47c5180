/**
 * The walk itself, as a generator over plain steps. It is self-contained on purpose (no imports,
 * no outer variables; the file system comes in as a parameter): the same function runs on the
 * main thread ({@link walkFolder}) and, by its source text, in a worker thread
 * ({@link walkInWorker}), so the two walks cannot drift apart.
 */

/** What {@link walkSteps} needs of `node:fs`. */
export interface WalkFs {
  statSync(path: string): { isDirectory(): boolean; size: number };
  lstatSync(
    path: string,
    options: { throwIfNoEntry: false },
  ): { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean; size: number; mtimeMs: number } | undefined;
  readdirSync(path: string): string[];
  opendirSync(path: string, options: { bufferSize: number }): { readSync(): { name: string } | null; closeSync(): void };
}

/**
 * One step of a walk: an entry that is not a folder (`t`: 0 file, 1 symlink, 2 other), or
 * (`enter` set) a folder the walk is about to descend into.
 */
export interface WalkStep {
  key: string;
  size: number;
  mtimeMs: number;
  t: number;
  enter: boolean;
}

/** A share of a walk split between threads: this walk takes share `part` of `parts`. */
export interface WalkShare {
  readonly part: number;
  readonly parts: number;
}

/**
 * Walks every entry under `root`, depth first, yielding one {@link WalkStep} object per entry
 * (the same object each time: read it before resuming). Symlinks are never followed, folders
 * for which `skipDir` says so are not descended into, and an entry that disappears mid-walk is
 * skipped. A missing root has no entries; a root that is not a folder, or a folder that cannot
 * be read, throws.
 *
 * Folders whose own size is at most 64 KiB are listed in one `readdirSync`; larger ones are
 * streamed through `opendirSync` 256 names at a time, so memory holds one slice of names plus
 * the folders not yet visited, while the many small folders of a sharded layout avoid the cost
 * of a directory handle each.
 *
 * With a `share`, the walk covers only its part of the tree: each name directly under the root
 * (a file, or a folder with everything below it) belongs to one part, by a hash of the name.
 * Walks of every part of the same `parts` together see each entry once, and one that exists
 * throughout exactly once, whatever order the folder lists in or whatever else changes meanwhile:
 * a part lists the root and `lstat`s only its own names, so parts walked on separate threads
 * split the bulk of a walk's time, even in one flat folder.
 */
export function* walkSteps(
  fs: WalkFs,
  root: string,
  skipDir: ((key: string) => boolean) | undefined,
  share: WalkShare = { part: 0, parts: 1 },
): Generator<WalkStep, void, undefined> {
  const SMALL_DIR_BYTES = 64 * 1024;
  const NAMES_PER_READ = 256;
  const { part, parts } = share;
  // FNV-1a over the name's UTF-16 units: cheap, and spreads names that differ in one character.
  const partOf = (name: string): number => {
    let hash = 0x811c9dc5;
    for (let i = 0; i < name.length; i += 1) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
    return (hash >>> 0) % parts;
  };
  const isGone = (error: unknown): boolean => {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  };
  let rootStats: { isDirectory(): boolean; size: number };
  try {
    // The root itself may be a symlink the operator chose: follow that one only.
    rootStats = fs.statSync(root);
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  if (!rootStats.isDirectory()) throw Object.assign(new Error(`The storage root ${root} is not a folder`), { code: 'ENOTDIR' });

  const step: WalkStep = { key: '', size: 0, mtimeMs: 0, t: 0, enter: false };
  const pending: { path: string; prefix: string; size: number }[] = [{ path: root, prefix: '', size: rootStats.size }];
  while (pending.length > 0) {
    const folder = pending.pop() as { path: string; prefix: string; size: number };
    let names: string[] | null = null;
    let dir: { readSync(): { name: string } | null; closeSync(): void } | null = null;
    try {
      if (folder.size <= SMALL_DIR_BYTES) names = fs.readdirSync(folder.path);
      else dir = fs.opendirSync(folder.path, { bufferSize: NAMES_PER_READ });
    } catch (error) {
      if (isGone(error) && folder.path !== root) continue;
      throw error;
    }
    try {
      for (;;) {
        let slice: string[];
        if (names !== null) {
          slice = names;
          names = null;
        } else if (dir !== null) {
          slice = [];
          while (slice.length < NAMES_PER_READ) {
            const entry = dir.readSync();
            if (entry === null) break;
            slice.push(entry.name);
          }
        } else {
          break;
        }
        if (slice.length === 0) break;
        const split = parts > 1 && folder.prefix === '';
        for (const name of slice) {
          if (split && partOf(name) !== part) continue;
          const path = `${folder.path}/${name}`;
          const key = folder.prefix + name;
          const stats = fs.lstatSync(path, { throwIfNoEntry: false });
          if (stats === undefined) continue;
          if (stats.isDirectory()) {
            if (skipDir === undefined || !skipDir(key)) {
              pending.push({ path, prefix: `${key}/`, size: stats.size });
              step.key = key;
              step.enter = true;
              yield step;
            }
            continue;
          }
          step.key = key;
          step.size = stats.size;
          step.mtimeMs = stats.mtimeMs;
          step.t = stats.isFile() ? 0 : stats.isSymbolicLink() ? 1 : 2;
          step.enter = false;
          yield step;
        }
      }
    } finally {
      dir?.closeSync();
    }
  }
}

/** The entry types of {@link WalkStep.t}, in order. */
export const STEP_TYPES = ['file', 'symlink', 'other'] as const;
