import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleanupService, readJournalFile } from '../../src/node/index.js';
import { builtCli } from '../support/cli-bundle.js';

// The command as the build bundles it, run with plain node.
let bin: string;
beforeAll(async () => {
  bin = await builtCli();
});
const HOUR = 3_600_000;
const VALID = 1500;
const BATCH = 600;

/** Spawns `reclaim run` and kills it with SIGKILL after `killAfterMs` (or lets it finish). */
function runCli(cwd: string, killAfterMs: number | null): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, 'run', '--json'], { cwd, env: process.env, stdio: 'ignore' });
    const timer = killAfterMs === null ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, ms: Date.now() - started });
    });
  });
}

describe('crash safety: SIGKILL of `reclaim run` at random moments', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'reclaim-kill-'));
  const storage = join(cwd, 'recovery_storage');
  const tokenPath = join(cwd, 'recovery_tokens.json');
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  /** Adds a batch of expired tokens with files, and old orphans: work for the next run. */
  function addWork(round: number): void {
    const tokens = JSON.parse(readFileSync(tokenPath, 'utf8')) as Record<string, unknown>;
    const old = new Date(Date.now() - 48 * HOUR);
    for (let i = 0; i < BATCH; i++) {
      const id = `exp-${round}-${i}`;
      writeFileSync(join(storage, `${id}.wav`), 'x'.repeat(64));
      tokens[id] = { token_id: id, file_path: `${id}.wav`, created_at: old.toISOString(), expires_at: new Date(old.getTime() + HOUR).toISOString() };
      const orphan = join(storage, `orphan-${round}-${i}.wav`);
      writeFileSync(orphan, 'y'.repeat(32));
      utimesSync(orphan, old, old);
    }
    writeFileSync(tokenPath, JSON.stringify(tokens));
  }

  it('never corrupts the token file, never loses a valid token\'s file, and converges', async () => {
    mkdirSync(storage);
    const tokens: Record<string, unknown> = {};
    for (let i = 0; i < VALID; i++) {
      const id = `valid-${i}`;
      writeFileSync(join(storage, `${id}.wav`), 'v'.repeat(128));
      tokens[id] = { token_id: id, file_path: `${id}.wav`, created_at: new Date(Date.now() - HOUR).toISOString(), expires_at: new Date(Date.now() + 23 * HOUR).toISOString() };
    }
    writeFileSync(tokenPath, JSON.stringify(tokens));

    addWork(0);
    const baseline = await runCli(cwd, null);
    expect(baseline.code).toBe(0);

    const kills = 8;
    for (let round = 1; round <= kills; round++) {
      addWork(round);
      // Anywhere from start-up to the end of the deletions of a run like the baseline.
      const at = Math.floor(300 + Math.random() * baseline.ms);
      const outcome = await runCli(cwd, at);
      // The token file is a complete, valid document after every kill …
      const after = JSON.parse(readFileSync(tokenPath, 'utf8')) as Record<string, unknown>;
      // … and no valid token lost its file.
      for (let i = 0; i < VALID; i++) {
        expect(after[`valid-${i}`]).toBeDefined();
        expect(existsSync(join(storage, `valid-${i}.wav`))).toBe(true);
      }
      expect(['SIGKILL', null]).toContain(outcome.signal);
    }

    const final = await runCli(cwd, null);
    expect(final.code).toBe(0);
    const left = JSON.parse(readFileSync(tokenPath, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(left).filter((id) => id.startsWith('exp-'))).toEqual([]);
    expect(Object.keys(left)).toHaveLength(VALID);
    const files = readdirSync(storage);
    expect(files.filter((f) => f.startsWith('orphan-') || f.startsWith('exp-'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('valid-'))).toHaveLength(VALID);

    // The journal replays: every line read back is a valid event with increasing seqs, and a
    // service started on it rebuilds its metrics and finds nothing left to recover.
    const seqs: number[] = [];
    for await (const event of readJournalFile(join(cwd, 'recovery_tokens.json.journal.jsonl'))) seqs.push(event.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const service = createCleanupService({ storagePath: storage, tokenFile: tokenPath });
    const report = await service.ready;
    expect(report.recovered).toBe(0);
    expect(service.kernel.getMetrics().runs).toBeGreaterThanOrEqual(2);
    await service.close();
  }, 240_000);
});
