/**
 * The walk itself, as generators over plain values. They are self-contained on purpose (no
 * imports, no outer variables; the file system comes in as a parameter): the same functions run
 * on the main thread ({@link walkFolder}) and, by their source text, in worker threads
 * ({@link walkInWorker}), so the two walks cannot drift apart.
 */

/** What {@link rootSlices} and {@link walkSteps} need of `node:fs`. */
export interface WalkFs {
  statSync(path: string): { isDirectory(): boolean; size: number };
  lstatSync(
    path: string,
    options: { throwIfNoEntry: false },
  ): { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean; size: number; mtimeMs: number } | undefined;
  readdirSync(path: string): string[];
  opendirSync(path: string, options: { bufferSize: number }): { readSync(): { name: string; isDirectory(): boolean } | null; closeSync(): void };
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

/**
 * Lists the names directly under `root`, in slices a walk of them can be handed out in (see
 * {@link walkSteps}): a folder (as the listing's entry type says) is a slice of its own, since
 * everything below it comes with it; other names come `sliceSize` at a time. Each name is in
 * exactly one slice, whatever else changes meanwhile. The root is streamed through
 * `opendirSync`, so memory holds one slice however large it is. A missing root has no names;
 * a root that is not a folder, or that cannot be read, throws.
 */
export function* rootSlices(fs: WalkFs, root: string, sliceSize: number): Generator<string[], void, undefined> {
  let rootStats: { isDirectory(): boolean };
  try {
    // The root itself may be a symlink the operator chose: follow that one only.
    rootStats = fs.statSync(root);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  if (!rootStats.isDirectory()) throw Object.assign(new Error(`The storage root ${root} is not a folder`), { code: 'ENOTDIR' });
  const dir = fs.opendirSync(root, { bufferSize: 256 });
  try {
    let names: string[] = [];
    for (;;) {
      const entry = dir.readSync();
      if (entry === null) break;
      if (entry.isDirectory()) {
        yield [entry.name];
        continue;
      }
      names.push(entry.name);
      if (names.length >= sliceSize) {
        yield names;
        names = [];
      }
    }
    if (names.length > 0) yield names;
  } finally {
    dir.closeSync();
  }
}

/**
 * Walks the given `names` directly under `root` and everything below them, depth first,
 * yielding one {@link WalkStep} object per entry (the same object each time: read it before
 * resuming). Symlinks are never followed, folders for which `skipDir` says so are not descended
 * into, and an entry that disappears mid-walk is skipped. A folder that cannot be read throws.
 *
 * The names come from {@link rootSlices}: a whole walk is every slice of the root walked, on
 * one thread or handed out between several, each slice by exactly one of them. Folders below
 * the root whose own size is at most 64 KiB are listed in one `readdirSync`; larger ones are
 * streamed through `opendirSync` 256 names at a time, so memory holds one slice of names plus
 * the folders not yet visited, while the many small folders of a sharded layout avoid the cost
 * of a directory handle each.
 */
export function* walkSteps(
  fs: WalkFs,
  root: string,
  skipDir: ((key: string) => boolean) | undefined,
  names: readonly string[],
): Generator<WalkStep, void, undefined> {
  const SMALL_DIR_BYTES = 64 * 1024;
  const NAMES_PER_READ = 256;
  const isGone = (error: unknown): boolean => {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  };
  const step: WalkStep = { key: '', size: 0, mtimeMs: 0, t: 0, enter: false };
  // The root's slice comes listed; the folders met on the way are listed when visited.
  type Folder = { path: string; prefix: string; size: number; names: readonly string[] | null };
  const pending: Folder[] = [{ path: root, prefix: '', size: 0, names }];
  while (pending.length > 0) {
    const folder = pending.pop() as Folder;
    let listed = folder.names;
    let dir: { readSync(): { name: string } | null; closeSync(): void } | null = null;
    if (listed === null) {
      try {
        if (folder.size <= SMALL_DIR_BYTES) listed = fs.readdirSync(folder.path);
        else dir = fs.opendirSync(folder.path, { bufferSize: NAMES_PER_READ });
      } catch (error) {
        if (isGone(error)) continue;
        throw error;
      }
    }
    try {
      for (;;) {
        let slice: readonly string[];
        if (listed !== null) {
          slice = listed;
          listed = null;
        } else if (dir !== null) {
          const read: string[] = [];
          while (read.length < NAMES_PER_READ) {
            const entry = dir.readSync();
            if (entry === null) break;
            read.push(entry.name);
          }
          slice = read;
        } else {
          break;
        }
        if (slice.length === 0) break;
        for (const name of slice) {
          const path = `${folder.path}/${name}`;
          const key = folder.prefix + name;
          const stats = fs.lstatSync(path, { throwIfNoEntry: false });
          if (stats === undefined) continue;
          if (stats.isDirectory()) {
            if (skipDir === undefined || !skipDir(key)) {
              pending.push({ path, prefix: `${key}/`, size: stats.size, names: null });
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

/** Names per slice of the root (see {@link rootSlices}) when they are not folders. */
export const ROOT_SLICE_NAMES = 128;

/** The entry types of {@link WalkStep.t}, in order. */
export const STEP_TYPES = ['file', 'symlink', 'other'] as const;
