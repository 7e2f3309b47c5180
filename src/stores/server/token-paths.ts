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
  const { root } = context;
  // Normal paths (the common case) are joined by hand: path.resolve per token is slow.
  if (isAbsolute(filePath)) {
    const absolute = isNormalAbsolute(filePath) ? filePath : resolve(filePath);
    const key = root.keyOf(absolute);
    return key === undefined ? { absolute, refs: [] } : { absolute, key, refs: [key] };
  }
  const plain = isPlainRelative(filePath);
  const absolute = plain ? joinPlain(root.path, filePath) : resolve(root.path, filePath);
  const key = root.keyOf(absolute);
  const refs: string[] = key === undefined ? [] : [key];
  for (const base of [context.cwd, context.tokenDir]) {
    const alt = root.keyOf(plain ? joinPlain(base, filePath) : resolve(base, filePath));
    if (alt !== undefined && !refs.includes(alt)) refs.push(alt);
  }
  return key === undefined ? { absolute, refs } : { absolute, key, refs };
}
