import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript fixture script into one ESM file in a temp folder, so the child
 * processes of a test start in a fraction of a second instead of going through tsx each time.
 * The bundle is the same source the tests import, dependencies included.
 */
export async function bundleFixture(entry: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'reclaim-fixture-')), 'fixture.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    // Bundled CommonJS dependencies (proper-lockfile) call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}
