/** Makes sure the code under test is built: `dist/` for the real CLI, bundles for the probes. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.js';

/** The newest mtime of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The V8 flags the `reclaim` executable sets for itself (src/cli/reclaim.cts; its test holds
 * the two together). The pipeline probe runs with them: its time is divided by `reclaim run`
 * cleanups, so it must pay the same garbage collection (with them the kernel alone took 1.17x
 * as long as on Node's defaults, median of 15 pairs).
 */
export const CLI_V8_FLAGS = ['--heap-growing-percent=50'] as const;

/** Runs `npm run build` when `dist/` is missing or older than `src/`. Returns whether it built. */
export async function ensureDist(repo: string): Promise<boolean> {
  const bin = join(repo, 'dist', 'cli', 'reclaim.cjs');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest(join(repo, 'src'))) return false;
  await run('npm', ['run', 'build', '--silent'], { cwd: repo });
  return true;
}

/**
 * Bundles the probes (small programs that time one part of reclaim in a child process, and the
 * helper that stages data copies) with
 * esbuild, so they run on plain `node` without a TypeScript loader inflating their memory.
 * Packages stay external and load from node_modules, as they do for `dist/`.
 */
export async function bundleProbes(repo: string, outDir: string, probes: readonly string[]): Promise<void> {
  const esbuild = join(repo, 'node_modules', '.bin', 'esbuild');
  await run(
    esbuild,
    [
      ...probes.map((name) => join(repo, 'bench', 'probes', `${name}.ts`)),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--packages=external',
      '--log-level=warning',
      `--outdir=${outDir}`,
      '--out-extension:.js=.mjs',
    ],
    { cwd: repo },
  );
}
