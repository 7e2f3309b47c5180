import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ReclaimError } from '../../kernel/index.js';

function contained(rel: string): boolean {
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function toKey(rel: string): string {
  return sep === '/' ? rel : rel.split(sep).join('/');
}

const POSIX = sep === '/';

/**
 * True when `path` from `start` on is a plain relative path: non-empty, no leading or trailing
 * `/`, no empty, `.` or `..` segment, no NUL. One pass over the characters: it runs several
 * times per token for 100k tokens.
 */
function plainFrom(path: string, start: number): boolean {
  const end = path.length;
  if (end <= start) return false;
  let segmentStart = start;
  for (let i = start; i <= end; i += 1) {
    const c = i === end ? 47 : path.charCodeAt(i);
    if (c === 0) return false;
    if (c !== 47) continue;
    const length = i - segmentStart;
    // Empty (leading, trailing or doubled slash), `.` or `..`.
    if (length === 0) return false;
    if (path.charCodeAt(segmentStart) === 46 && (length === 1 || (length === 2 && path.charCodeAt(segmentStart + 1) === 46))) return false;
    segmentStart = i + 1;
  }
  return true;
}

/**
 * True for a relative path that is already normal: no `.` or `..` segment, no empty segment,
 * no leading or trailing `/`, no NUL. Joining it to a normal folder needs no `path.resolve`,
 * which matters when it is done for each of 100k tokens. Always false off POSIX.
 */
export function isPlainRelative(path: string): boolean {
  return POSIX && plainFrom(path, 0);
}

/** Joins a normal absolute folder and a plain relative path (see {@link isPlainRelative}). */
export function joinPlain(folder: string, plain: string): string {
  return folder === '/' ? `/${plain}` : `${folder}/${plain}`;
}

/** True for an absolute path that `path.resolve` would return unchanged (POSIX only). */
export function isNormalAbsolute(path: string): boolean {
  return POSIX && path.charCodeAt(0) === 47 && (path.length === 1 || plainFrom(path, 1));
}

/**
 * The storage root and the one place that decides what is inside it.
 *
 * A key is a root-relative, `/`-separated path. Containment is checked twice: lexically
 * (`path.resolve` then `path.relative`: no `..` escape, no absolute path elsewhere) and
 * physically (no folder between the root and the file is a symlink leading out), so nothing
 * reached through a symlink is ever touched. The root itself may be a symlink: that is the
 * operator's choice, and paths written through either spelling of it are recognised.
 */
export class StorageRoot {
  /** The root as configured, made absolute. */
  readonly path: string;
  #real: string | undefined;
  readonly #dirInside = new Map<string, boolean>();
  /** The root with a trailing `/`: what a key's absolute path starts with. */
  readonly #prefix: string;

  constructor(path: string, cwd: string = process.cwd()) {
    this.path = resolve(cwd, path);
    this.#prefix = this.path === '/' ? '/' : `${this.path}/`;
  }

  /** The root with symlinks resolved (the configured path while it does not exist). */
  get realPath(): string {
    if (this.#real === undefined) {
      try {
        this.#real = realpathSync.native(this.path);
      } catch {
        return this.path;
      }
    }
    return this.#real;
  }

  /** The key of an absolute path, or undefined when it is not strictly inside the root. */
  keyOf(absolutePath: string): string | undefined {
    if (isNormalAbsolute(absolutePath)) return this.#keyOfNormal(absolutePath);
    const rel = relative(this.path, absolutePath);
    if (contained(rel)) return toKey(rel);
    const real = this.realPath;
    if (real === this.path) return undefined;
    const relReal = relative(real, absolutePath);
    return contained(relReal) ? toKey(relReal) : undefined;
  }

  /**
   * The absolute path of a key. Throws `RECLAIM_OUTSIDE_ROOT` for anything that is not a plain
   * relative path resolving strictly inside the root (absolute paths, `..` escapes, the root
   * itself, empty strings, NUL bytes).
   */
  resolveKey(key: string): string {
    if (typeof key !== 'string' || key.length === 0 || key.includes('\0') || isAbsolute(key)) {
      throw this.#outside(String(key));
    }
    if (isPlainRelative(key)) return joinPlain(this.path, key);
    const absolute = resolve(this.path, key);
    if (!contained(relative(this.path, absolute))) throw this.#outside(key);
    return absolute;
  }

  /**
   * True when no folder between the root and this key's file is a symlink (or anything else
   * that leads outside). A parent that does not exist counts as inside: there is no file to
   * reach. Answers are cached until {@link forget}.
   */
  parentIsInside(key: string): boolean {
    const slash = key.lastIndexOf('/');
    if (slash < 0) return true;
    const dir = key.slice(0, slash);
    const known = this.#dirInside.get(dir);
    if (known !== undefined) return known;
    let inside: boolean;
    try {
      inside = realpathSync.native(join(this.path, dir)) === join(this.realPath, dir);
    } catch (error) {
      inside = (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
    this.#dirInside.set(dir, inside);
    return inside;
  }

  /**
   * Records that a folder was found to be inside the root by a walk from the root, which never
   * follows a symlink: {@link parentIsInside} then needs no `realpath` for files in it. The
   * answer is cached like any other, until {@link forget}.
   */
  markInside(dirKey: string): void {
    this.#dirInside.set(dirKey, true);
  }

  /** Drops cached answers (at the start of each run: folders may have changed). */
  forget(): void {
    this.#dirInside.clear();
    this.#real = undefined;
  }

  /** keyOf for a normal absolute path: a prefix test against the root and its real path. */
  #keyOfNormal(absolutePath: string): string | undefined {
    const prefix = this.#prefix;
    if (absolutePath.length > prefix.length && absolutePath.startsWith(prefix)) return absolutePath.slice(prefix.length);
    const real = this.realPath;
    if (real === this.path) return undefined;
    const realPrefix = real === '/' ? '/' : `${real}/`;
    if (absolutePath.length > realPrefix.length && absolutePath.startsWith(realPrefix)) return absolutePath.slice(realPrefix.length);
    return undefined;
  }

  #outside(key: string): ReclaimError {
    return new ReclaimError('RECLAIM_OUTSIDE_ROOT', `${JSON.stringify(key)} does not name a file inside the storage root ${this.path}; nothing outside it is ever deleted`, {
      details: { key, root: this.path },
    });
  }
}
