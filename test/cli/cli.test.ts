import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtCli } from '../support/cli-bundle.js';
import { TSX_ENV, TSX_IMPORT } from '../support/tsx.js';

const root = resolve(import.meta.dirname, '..', '..');
// The command as the build bundles it, run with plain node.
let bin: string;
beforeAll(async () => {
  bin = await builtCli();
});
const HOUR = 3_600_000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function reclaim(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolvePromise({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** A host app's data as the original service left it: relative defaults in the working folder. */
function seed(cwd: string): void {
  const storage = join(cwd, 'recovery_storage');
  mkdirSync(storage);
  const now = Date.now();
  const tokens: Record<string, unknown> = {};
  for (const [id, ageHours] of [['expired1', 30], ['expired2', 48], ['valid1', 1], ['valid2', 2]] as const) {
    const file = join(storage, `${id}.wav`);
    writeFileSync(file, Buffer.alloc(1000, 1));
    tokens[id] = {
      token_id: id,
      file_path: file,
      created_at: new Date(now - ageHours * HOUR).toISOString().replace('Z', ''),
      expires_at: new Date(now - ageHours * HOUR + 24 * HOUR).toISOString().replace('Z', ''),
      file_size: 1000,
    };
  }
  const orphan = join(storage, 'orphan.wav');
  writeFileSync(orphan, Buffer.alloc(500, 2));
  const old = new Date(now - 5 * HOUR);
  utimesSync(orphan, old, old);
  writeFileSync(join(cwd, 'recovery_tokens.json'), JSON.stringify(tokens, null, 2));
}

describe('reclaim command line', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'reclaim-cli-'));
    seed(cwd);
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('run: cleans the default ./recovery_storage and ./recovery_tokens.json and exits 0', async () => {
    const out = await reclaim(cwd, ['run']);
    expect(out.stderr).not.toContain('Error');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^success: 2 tokens, 3 files, freed 2\.4 KiB/);
    expect(readdirSync(join(cwd, 'recovery_storage')).sort()).toEqual(['valid1.wav', 'valid2.wav']);
    expect(Object.keys(JSON.parse(readFileSync(join(cwd, 'recovery_tokens.json'), 'utf8'))).sort()).toEqual(['valid1', 'valid2']);
    expect(existsSync(join(cwd, 'recovery_tokens.json.journal.jsonl'))).toBe(true);
  });

  it('run --dry-run --json: reports what it would delete as JSON and deletes nothing', async () => {
    const tokensBefore = readFileSync(join(cwd, 'recovery_tokens.json'));
    const out = await reclaim(cwd, ['run', '--dry-run', '--json']);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({ dryRun: true, tokensCleaned: 2, filesCleaned: 3, bytesFreed: 2500, success: true });
    expect(readdirSync(join(cwd, 'recovery_storage'))).toHaveLength(5);
    expect(readFileSync(join(cwd, 'recovery_tokens.json'))).toEqual(tokensBefore);
  });

  it('status: shows metrics rebuilt from the journal', async () => {
    await reclaim(cwd, ['run']);
    const out = await reclaim(cwd, ['status', '--json']);
    expect(out.code).toBe(0);
    const status = JSON.parse(out.stdout);
    expect(status.metrics).toMatchObject({ tokensCleaned: 2, filesCleaned: 3, bytesFreed: 2500, errors: 0, retentionHours: 24 });
    expect(status.lastRuns).toHaveLength(1);
    const human = await reclaim(cwd, ['status']);
    expect(human.stdout).toContain('tokens cleaned: 2, files cleaned: 3');
  });

  it('events: prints journaled events as JSON lines; --follow streams new ones until SIGTERM', async () => {
    await reclaim(cwd, ['run']);
    const out = await reclaim(cwd, ['events']);
    const events = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(events[0]?.type).toBe('RunStarted');
    expect(events.at(-1)?.type).toBe('RunCompleted');
    const lastSeq = events.at(-1)?.seq as number;

    const follower = spawn(process.execPath, [bin, 'events', '--follow', '--from', String(lastSeq + 1)], { cwd, env: process.env });
    let streamed = '';
    follower.stdout.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
    const exited = new Promise<number | null>((r) => follower.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1500));
    await reclaim(cwd, ['run', '--dry-run']);
    for (let i = 0; i < 50 && !streamed.includes('RunCompleted'); i++) await new Promise((r) => setTimeout(r, 100));
    follower.kill('SIGTERM');
    expect(await exited).toBe(0);
    const followed = streamed.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(followed[0]).toMatchObject({ seq: lastSeq + 1, type: 'RunStarted' });
    expect(followed.at(-1)?.type).toBe('RunCompleted');
  });

  it('bad configuration exits 2 and names the field, its source and the fix', async () => {
    const flag = await reclaim(cwd, ['run', '--retention-hours', '0']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('retentionHours (from --retention-hours): must be > 0');
    const env = await reclaim(cwd, ['run'], { RECLAIM_MAX_STORAGE_MB: 'lots' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('maxStorageMB (from RECLAIM_MAX_STORAGE_MB)');
    writeFileSync(join(cwd, 'reclaim.config.json'), JSON.stringify({ retentionHour: 5, concurrency: 0 }));
    const file = await reclaim(cwd, ['run']);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('retentionHour (in reclaim.config.json): is not a known option; remove it or check its spelling');
    expect(file.stderr).toContain('concurrency (in reclaim.config.json): must be >= 1');
    writeFileSync(join(cwd, 'broken.json'), '{ retention');
    const broken = await reclaim(cwd, ['run', '--config', 'broken.json']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('not JSON');
    // Nothing was touched by any of them.
    expect(readdirSync(join(cwd, 'recovery_storage'))).toHaveLength(5);
  });

  it('bad usage exits 2', async () => {
    expect((await reclaim(cwd, ['vacuum'])).code).toBe(2);
    expect((await reclaim(cwd, ['run', '--no-such-flag'])).code).toBe(2);
    expect((await reclaim(cwd, ['events', '--from', 'x'])).code).toBe(2);
  });

  it('a run with errors exits 1: an unreadable token file is reported, nothing deleted, the file untouched', async () => {
    writeFileSync(join(cwd, 'recovery_tokens.json'), '{"expired1": {"token_id": "expired1", "file_path": "expi');
    const before = readFileSync(join(cwd, 'recovery_tokens.json'));
    const out = await reclaim(cwd, ['run']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('reclaim:');
    expect(readdirSync(join(cwd, 'recovery_storage'))).toHaveLength(5);
    expect(readFileSync(join(cwd, 'recovery_tokens.json'))).toEqual(before);
  });

  it('run on a terminal shows a progress bar for a long run; without one, plain lines', async () => {
    const old = new Date(Date.now() - 5 * HOUR);
    for (let i = 0; i < 3000; i++) {
      const path = join(cwd, 'recovery_storage', `bulk-${i}.wav`);
      writeFileSync(path, 'z');
      utimesSync(path, old, old);
    }
    // `script` runs the command on a pseudo-terminal, as a person at a shell would.
    const command = [process.execPath, bin, 'run'].map((a) => `'${a}'`).join(' ');
    const tty = await new Promise<string>((done) => {
      execFile('script', ['-qfec', command, '/dev/null'], { cwd, env: process.env, timeout: 60_000 }, (_e, stdout) => done(stdout));
    });
    expect(tty).toMatch(/reclaim \[[\u2588\u2591=\- ]*\] \d+\/\d+ deletions/);
    expect(tty).toContain('success: 2 tokens, 3003 files');
  });

  it('runs from its sources too (npm run cleanup, npm start): plain node with tsx, no bundle', async () => {
    const result = await new Promise<Outcome>((done) => {
      execFile(process.execPath, [...TSX_IMPORT, join(root, 'src', 'cli', 'bin.ts'), 'run', '--dry-run', '--json'], { cwd, env: { ...process.env, ...TSX_ENV }, timeout: 60_000 }, (error, stdout, stderr) =>
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { dryRun: boolean }).dryRun).toBe(true);
  });

  it('the quick start: demo data seeded by scripts/seed-demo.ts, a dry run, then a run, on the defaults', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'reclaim-demo-'));
    try {
      await new Promise<void>((done, fail) =>
        execFile(process.execPath, [...TSX_IMPORT, resolve(root, 'scripts', 'seed-demo.ts')], { cwd: fresh, env: { ...process.env, ...TSX_ENV } }, (e) => (e === null ? done() : fail(e))),
      );
      const dry = await reclaim(fresh, ['run', '--dry-run', '--json']);
      expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, tokensCleaned: 6, filesCleaned: 9, success: true });
      const real = await reclaim(fresh, ['run']);
      expect(real.code).toBe(0);
      expect(readdirSync(join(fresh, 'recovery_storage')).sort()).toEqual(['valid0.wav', 'valid1.wav', 'valid2.wav', 'valid3.wav', 'valid4.wav']);
      const tokens = JSON.parse(readFileSync(join(fresh, 'recovery_tokens.json'), 'utf8')) as Record<string, unknown>;
      // The bad entry is reported and kept, untouched.
      expect(tokens.broken).toEqual({ token_id: 'broken', file_path: 'broken.wav', created_at: 'not a date' });
      expect(Object.keys(tokens).sort()).toEqual(['broken', 'valid0', 'valid1', 'valid2', 'valid3', 'valid4']);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
