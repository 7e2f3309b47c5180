import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenFile } from '../../../src/stores/json-file/index.js';
import { bundleFixture } from './bundle-fixture.js';
import { HOUR, sandbox, type Sandbox } from './helpers.js';
import { runCleanup } from './run-cleanup.js';

// The host-app stand-in, bundled once so each child process starts quickly.
let writerScript: string;
beforeAll(async () => {
  writerScript = await bundleFixture(join(import.meta.dirname, '../../fixtures/token-writer.ts'));
});

interface Writer {
  readonly child: ChildProcess;
  /** Ids whose add had resolved (acknowledged) when printed. */
  readonly acknowledged: string[];
  readonly exited: Promise<number | null>;
}

function startWriter(args: readonly string[]): Writer {
  const child = spawn(process.execPath, [writerScript, ...args], {
    env: { ...process.env, TOKEN_LOCK_STALE_MS: '2000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acknowledged: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    acknowledged.push(...lines);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, acknowledged, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let box: Sandbox;
beforeEach(() => {
  box = sandbox('reclaim-writers-');
});
afterEach(() => box.cleanup());

const storedIds = (): Set<string> => new Set(Object.keys(JSON.parse(readFileSync(box.tokenFile, 'utf8')) as object));

describe('token file shared by processes', () => {
  it('loses no token that host processes add while cleanups rewrite the file', async () => {
    const now = Date.now();
    const tokens = new TokenFile(box.tokenFile);
    await tokens.addToken({ id: 'seed', filePath: 'seed.wav', createdAt: now, expiresAt: now + HOUR });
    const writers = [startWriter(['add', box.tokenFile, box.root, 'a', '120']), startWriter(['add', box.tokenFile, box.root, 'b', '120'])];
    let running = true;
    const done = Promise.all(writers.map((w) => w.exited)).then((codes) => {
      running = false;
      return codes;
    });
    const expired: string[] = [];
    let runs = 0;
    while (running || runs < 3) {
      // Each round the cleanup has something to remove, so it rewrites the file under the writers.
      for (let i = 0; i < 3; i += 1) {
        const id = `expired-${runs}-${i}`;
        box.file(`${id}.wav`, 3);
        await tokens.addToken({ id, filePath: `${id}.wav`, createdAt: now - 48 * HOUR, expiresAt: now - HOUR });
        expired.push(id);
      }
      const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile });
      expect(run.result.success, JSON.stringify(run.result.error)).toBe(true);
      runs += 1;
    }
    expect(await done).toEqual([0, 0]);
    expect(runs).toBeGreaterThan(3);
    const ids = storedIds();
    const added = writers.flatMap((w) => w.acknowledged);
    expect(added.length).toBe(240);
    for (const id of added) {
      expect(ids.has(id), id).toBe(true);
      expect(existsSync(join(box.root, `${id}.wav`)), id).toBe(true);
    }
    for (const id of expired) expect(ids.has(id), id).toBe(false);
    expect(ids.has('seed')).toBe(true);
  });

  it('lets exactly one of several processes redeem a token', async () => {
    const tokens = new TokenFile(box.tokenFile);
    await tokens.addToken({ id: 'once', filePath: 'once.wav' });
    await tokens.addToken({ id: 'other', filePath: 'other.wav' });
    const redeemers = Array.from({ length: 5 }, () => startWriter(['redeem', box.tokenFile, 'once']));
    expect(await Promise.all(redeemers.map((r) => r.exited))).toEqual([0, 0, 0, 0, 0]);
    const outcomes = redeemers.flatMap((r) => r.acknowledged).sort();
    expect(outcomes).toEqual(['none', 'none', 'none', 'none', 'redeemed once']);
    expect([...storedIds()]).toEqual(['other']);
  });

  it('keeps a complete document with every acknowledged token when a writer is killed with SIGKILL', async () => {
    for (let round = 0; round < 3; round += 1) {
      const writer = startWriter(['add', box.tokenFile, box.root, `k${round}`, '0']);
      // Let it write for a random while once it has started.
      while (writer.acknowledged.length === 0) await sleep(10);
      await sleep(20 + Math.random() * 200);
      writer.child.kill('SIGKILL');
      await writer.exited;
      const text = readFileSync(box.tokenFile, 'utf8');
      const ids = new Set(Object.keys(JSON.parse(text) as object));
      for (const id of writer.acknowledged) expect(ids.has(id), id).toBe(true);
      // A lock the dead writer held is taken over; the file stays writable.
      await new TokenFile(box.tokenFile, { lock: { staleMs: 2000 } }).addToken({ id: `after-${round}`, filePath: 'x.wav' });
      expect(storedIds().has(`after-${round}`)).toBe(true);
    }
  });
});
