import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * `node` arguments that run a TypeScript file from any working folder: `--import tsx` would be
 * resolved against the child's cwd, so name the loader by its absolute URL.
 */
export const TSX_IMPORT: readonly string[] = ['--import', pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href];

/** Environment for such a child: tsx reads the repository's tsconfig (decorators) whatever the cwd. */
export const TSX_ENV: Readonly<Record<string, string>> = { TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json') };
