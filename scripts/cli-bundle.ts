/**
 * The `reclaim` command as one ES module file: the CLI's sources and its dependencies bundled
 * with esbuild. Loading ~480 modules one by one (rxjs alone is ~300 CommonJS files) took a third
 * of an empty run; the bundle loads as one file. `npm run build` writes it to
 * dist/cli/reclaim-cli.mjs, where the launcher (src/cli/reclaim.cts) imports it; the CLI tests
 * build and run the same bundle.
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');

/** Bundles src/cli/bin.ts into `outfile`, with a linked source map beside it unless `sourcemap` is false. */
export async function bundleCli(outfile: string, options: { sourcemap?: boolean } = {}): Promise<void> {
  await build({
    entryPoints: [join(REPO, 'src', 'cli', 'bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: options.sourcemap === false ? false : 'linked',
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __reclaimRequire } from 'node:module'; const require = __reclaimRequire(import.meta.url);" },
    logLevel: 'error',
  });
}
