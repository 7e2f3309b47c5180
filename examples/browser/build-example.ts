import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles a browser entry (TypeScript, React included) into `outdir/<name>.js` with esbuild. */
export async function bundleForBrowser(entry: string, outdir: string, name: string): Promise<void> {
  await build({
    entryPoints: { [name]: entry },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"development"' },
  });
}

/** Builds the example page into `outdir`: `index.html` and `main.js`. */
export async function buildExample(outdir: string): Promise<void> {
  await mkdir(outdir, { recursive: true });
  await bundleForBrowser(join(here, 'main.ts'), outdir, 'main');
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));
}
