import { isAbsolute, resolve } from 'node:path';
import { isNormalAbsolute, isPlainRelative, joinPlain, type StorageRoot } from '../folder/index.js';

/** Where a token's `file_path` leads. */
export interface ResolvedTokenPath {
  /** The path the token means: absolute as written, or relative to the storage root. */
  readonly absolute: string;
  /** Its root-relative key, when it is lexically inside the root. */
  readonly key?: string;
  /**
   * Every root-relative key the path could mean: as resolved against the root, the working
   * directory and the token file's folder. The orphan pass never deletes any of them.
   */
  readonly refs: readonly string[];
}

/** The folders a relative token path may have been written against. */
export interface TokenPathContext {
  readonly root: StorageRoot;
  readonly cwd: string;
  readonly tokenDir: string;
}

/**
 * Resolves a token's `file_path` (SPEC §4): a relative path against the storage root, an
 * absolute one as it is. For conservative orphan matching the refs also hold what a relative
 * path would name against the working directory or the token file's folder (a host that wrote
 * `recovery_storage/abc.wav` from its own folder). Only keys inside the root are kept.
 */
export function resolveTokenPath(filePath: string, context: TokenPathContext): ResolvedTokenPath {
  return tokenPathResolver(context)(filePath);
}

/** Where a base folder lies against the root, for the fast path of plain relative paths. */
type BaseToRoot =
  /** The root itself: a path against it means what it means against the root. */
  | { readonly kind: 'same' }
  /** Above the root: a path names a key when it starts with `sub` (the root's path from the base, with `/`). */
  | { readonly kind: 'above'; readonly sub: string }
  /** Inside the root, at `prefix` (its key and `/`): every path against it is a key. */
  | { readonly kind: 'inside'; readonly prefix: string }
  /** Elsewhere: a path against it is never inside the root. */
  | { readonly kind: 'apart' };

function baseToRoot(base: string, root: string): BaseToRoot {
  if (base === root) return { kind: 'same' };
  const basePrefix = base === '/' ? '/' : `${base}/`;
  if (root.startsWith(basePrefix)) return { kind: 'above', sub: `${root.slice(basePrefix.length)}/` };
  if (base.startsWith(`${root}/`)) return { kind: 'inside', prefix: `${base.slice(root.length + 1)}/` };
  return { kind: 'apart' };
}

/**
 * {@link resolveTokenPath} for many paths in one context. Where the root is not a symlink and
 * the folders are normal, a plain relative path (the common case) is its own key, and what it
 * means against the other bases follows from where each base lies against the root, with no
 * path joined and scanned again: this runs for every token of a load.
 */
export function tokenPathResolver(context: TokenPathContext): (filePath: string) => ResolvedTokenPath {
  const { root } = context;
  const bases = [context.cwd, context.tokenDir];
  const fast =
    root.path !== '/' && root.realPath === root.path && isNormalAbsolute(root.path) && bases.every((base) => isNormalAbsolute(base))
      ? bases.map((base) => baseToRoot(base, root.path))
      : null;
  return (filePath) => {
    // Normal paths (the common case) are joined by hand: path.resolve per token is slow.
    if (isAbsolute(filePath)) {
      const absolute = isNormalAbsolute(filePath) ? filePath : resolve(filePath);
      const key = root.keyOf(absolute);
      return key === undefined ? { absolute, refs: [] } : { absolute, key, refs: [key] };
    }
    const plain = isPlainRelative(filePath);
    if (plain && fast !== null) {
      const refs = [filePath];
      for (const base of fast) {
        let alt: string | undefined;
        if (base.kind === 'above') alt = filePath.length > base.sub.length && filePath.startsWith(base.sub) ? filePath.slice(base.sub.length) : undefined;
        else if (base.kind === 'inside') alt = base.prefix + filePath;
        if (alt !== undefined && !refs.includes(alt)) refs.push(alt);
      }
      return { absolute: joinPlain(root.path, filePath), key: filePath, refs };
    }
    const absolute = plain ? joinPlain(root.path, filePath) : resolve(root.path, filePath);
    const key = root.keyOf(absolute);
    const refs: string[] = key === undefined ? [] : [key];
    for (const base of bases) {
      const alt = root.keyOf(plain ? joinPlain(base, filePath) : resolve(base, filePath));
      if (alt !== undefined && !refs.includes(alt)) refs.push(alt);
    }
    return key === undefined ? { absolute, refs } : { absolute, key, refs };
  };
}
