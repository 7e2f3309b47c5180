import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Records every import of a Node built-in (and keeps the build going, to list them all). */
function nodeBuiltinGuard(found: string[]): Plugin {
  return {
    name: 'node-builtin-guard',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        const root = args.path.startsWith('node:') ? args.path : args.path.split('/')[0] ?? args.path;
        if (!BUILTINS.has(args.path) && !BUILTINS.has(root)) return undefined;
        found.push(`${args.path} (imported by ${args.importer})`);
        return { path: args.path, external: true };
      });
    },
  };
}

async function bundle(options: { entry?: string; stdin?: string; external?: string[] }): Promise<{ builtins: string[]; bytes: Uint8Array }> {
  const builtins: string[] = [];
  const result = await build({
    ...(options.entry === undefined ? {} : { entryPoints: [options.entry] }),
    ...(options.stdin === undefined ? {} : { stdin: { contents: options.stdin, resolveDir: process.cwd(), loader: 'ts' } }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    external: options.external ?? [],
    plugins: [nodeBuiltinGuard(builtins)],
  });
  return { builtins, bytes: result.outputFiles[0]?.contents ?? new Uint8Array() };
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

describe('browser bundles', () => {
  const entries = [
    { name: 'reclaim/browser', entry: 'src/browser/index.ts', external: [] },
    // React is a peer dependency: the host app brings it.
    { name: 'reclaim/react', entry: 'src/react/index.ts', external: ['react'] },
  ];
  for (const { name, entry, external } of entries) {
    it(`${name} bundles for the browser with no Node built-in`, async () => {
      const { builtins, bytes } = await bundle({ entry, external });
      expect(builtins).toEqual([]);
      const size = `${kib(bytes.byteLength)} minified, ${kib(gzipSync(bytes).byteLength)} gzip`;
      console.log(`[bundle] ${name}: ${size}`);
      expect(bytes.byteLength).toBeGreaterThan(10_000);
    });
  }

  it('the guard catches a Node built-in when one sneaks in', async () => {
    const { builtins } = await bundle({ stdin: "import { readFileSync } from 'node:fs'; import path from 'path'; console.log(readFileSync, path);" });
    expect(builtins.map((b) => b.split(' ')[0])).toEqual(['node:fs', 'path']);
  });
});
