import { isAbsolute, resolve } from 'node:path';
import { isPlainRelative, joinPlain, type StorageRoot } from '../folder/index.js';

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
  // Plain relative paths (the common case) are joined by hand: path.resolve per token is slow.
  const plain = isPlainRelative(filePath);
  const against = (base: string): string => (plain ? joinPlain(base, filePath) : resolve(base, filePath));
  const absolute = isAbsolute(filePath) ? resolve(filePath) : against(root.path);
  const key = root.keyOf(absolute);
  const refs = new Set<string>();
  if (key !== undefined) refs.add(key);
  if (!isAbsolute(filePath)) {
    for (const base of [context.cwd, context.tokenDir]) {
      const alt = root.keyOf(against(base));
      if (alt !== undefined) refs.add(alt);
    }
  }
  return { absolute, refs: [...refs], ...(key === undefined ? {} : { key }) };
}
