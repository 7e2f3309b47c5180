import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCli } from '../../scripts/cli-bundle.js';

/**
 * Builds the `reclaim` command as the build ships it (dist/cli/reclaim-cli.mjs: the CLI and its
 * dependencies in one file) into a temp folder, for tests that run it as a child process.
 */
export async function builtCli(): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'reclaim-cli-')), 'reclaim-cli.mjs');
  // Without the 6 MB source map: each test file that runs the CLI leaves one bundle in the temp folder.
  await bundleCli(outfile, { sourcemap: false });
  return outfile;
}
