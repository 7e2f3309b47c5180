import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_V8_FLAGS } from '../../bench/lib/build.js';

/**
 * The package's `reclaim` executable is src/cli/reclaim.cts: it sizes libuv's thread pool and
 * then imports the bundled command, ./reclaim-cli.mjs. Here it is compiled as the build compiles
 * it (CommonJS) next to a stand-in reclaim-cli.mjs that reports the pool it got, and run with
 * plain node, as npm's bin link runs it. The pool size shows as the process's thread count once
 * the pool has started.
 */
const root = resolve(import.meta.dirname, '..', '..');
let dir: string;

const PROBE = `
import { readdirSync, stat } from 'node:fs';
if (process.env.PROBE_FAIL === '1') throw new Error('reclaim-cli.mjs failed to load');
stat('/', () => console.log(JSON.stringify({ threads: readdirSync('/proc/self/task').length, size: process.env.UV_THREADPOOL_SIZE ?? null, flags: globalThis.v8FlagsSet ?? null })));
`;

/** Loaded with --require before the launcher: records the V8 flags it sets. */
const RECORD_FLAGS = `
const v8 = require('node:v8');
const set = v8.setFlagsFromString;
globalThis.v8FlagsSet = [];
v8.setFlagsFromString = (flags) => { globalThis.v8FlagsSet.push(flags); set(flags); };
`;

function run(file: string, env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean.UV_THREADPOOL_SIZE;
  delete clean.NODE_OPTIONS;
  return new Promise((done) => {
    execFile(process.execPath, [...nodeArgs, join(dir, file)], { env: { ...clean, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout, stderr }),
    );
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'reclaim-launcher-'));
  const source = readFileSync(join(root, 'src', 'cli', 'reclaim.cts'), 'utf8');
  writeFileSync(join(dir, 'reclaim.cjs'), transformSync(source, { loader: 'ts', format: 'cjs', platform: 'node', target: 'node20' }).code);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'reclaim-cli.mjs'), PROBE);
  writeFileSync(join(dir, 'record-flags.cjs'), RECORD_FLAGS);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the reclaim executable (src/cli/reclaim.cts)', () => {
  it('starts the CLI with a 16-thread pool, where an ES module entry gets the default 4', async () => {
    const direct = JSON.parse((await run('reclaim-cli.mjs')).stdout) as { threads: number; size: string | null };
    const launched = JSON.parse((await run('reclaim.cjs')).stdout) as { threads: number; size: string | null };
    expect(direct.size).toBeNull();
    expect(launched.size).toBe('16');
    // Same program, same other threads: the difference is the pool (16 against 4).
    expect(launched.threads - direct.threads).toBe(12);
  });

  it('keeps a UV_THREADPOOL_SIZE the user set', async () => {
    const direct = JSON.parse((await run('reclaim-cli.mjs')).stdout) as { threads: number };
    const launched = JSON.parse((await run('reclaim.cjs', { UV_THREADPOOL_SIZE: '6' })).stdout) as { threads: number; size: string };
    expect(launched.size).toBe('6');
    expect(launched.threads - direct.threads).toBe(2);
  });

  it('grows the heap 50% at a time, unless the user gave heap flags (in node arguments or NODE_OPTIONS)', async () => {
    const record = ['--require', join(dir, 'record-flags.cjs')];
    const flags = async (env: NodeJS.ProcessEnv, nodeArgs: readonly string[]): Promise<unknown> =>
      (JSON.parse((await run('reclaim.cjs', env, [...record, ...nodeArgs])).stdout) as { flags: unknown }).flags;
    expect(await flags({}, [])).toEqual(['--heap-growing-percent=50']);
    // The bench runs its pipeline probe with the same flags (its share divides by reclaim run).
    expect(await flags({}, [])).toEqual([...CLI_V8_FLAGS]);
    expect(await flags({}, ['--max-old-space-size=512'])).toEqual([]);
    expect(await flags({ NODE_OPTIONS: '--max-old-space-size=512' }, [])).toEqual([]);
    expect(await flags({}, ['--heap-growing-percent=10'])).toEqual([]);
  });

  it('exits 2 with the reason when the CLI cannot load', async () => {
    const result = await run('reclaim.cjs', { PROBE_FAIL: '1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('reclaim: could not start');
    expect(result.stderr).toContain('reclaim-cli.mjs failed to load');
  });
});
