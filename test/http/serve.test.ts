import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCleanupService } from '../../src/node/index.js';
import { builtCli } from '../support/cli-bundle.js';
import { fileSandbox, journalLines, type FileSandbox } from './file-sandbox.js';
import { readSse, eventOf } from './helpers.js';

// `reclaim serve` as a real child process: the command as the build bundles it.
let serveScript: string;
beforeAll(async () => {
  serveScript = await builtCli();
});

interface ServeChild {
  readonly child: ChildProcess;
  readonly apiUrl: Promise<string>;
  readonly exited: Promise<number | null>;
  output(): string;
}

function startServe(box: FileSandbox, extra: readonly string[] = [], env: Record<string, string> = {}): ServeChild {
  const child = spawn(
    process.execPath,
    [serveScript, '--storage-path', box.storagePath, '--token-file', box.tokenFile, 'serve', '--port', '0', '--log-level', 'warn', ...extra],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let resolveUrl!: (url: string) => void;
  let rejectUrl!: (error: Error) => void;
  const apiUrl = new Promise<string>((resolve, reject) => {
    resolveUrl = resolve;
    rejectUrl = reject;
  });
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
    const match = /serving (http:\/\/\S+)/.exec(out);
    if (match !== null) resolveUrl(match[1] as string);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // Awaited by the tests that expect a listening server; the others only await `exited`.
  apiUrl.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      rejectUrl(new Error(`serve exited (${code}) before listening:\n${out}`));
      resolve(code);
    }),
  );
  return { child, apiUrl, exited, output: () => out };
}

let box: FileSandbox | undefined;
let running: ServeChild | undefined;
afterEach(async () => {
  if (running !== undefined && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  box?.cleanup();
  box = undefined;
});

describe('reclaim serve', () => {
  it('SIGTERM during a long run: the run is cancelled at a safe point, exit 0, token file and journal valid, next start converges', async () => {
    box = fileSandbox({ expired: 2000, valid: 100, orphans: 200 });
    running = startServe(box);
    const apiUrl = await running.apiUrl;
    // The scheduler runs once at start: wait until it has planned deletions, then stop the server.
    const seen = await readSse(`${apiUrl}/events?last_event_id=0`, { until: (m) => m.some((x) => eventOf(x).type === 'DeletionPlanned') });
    expect(seen.messages.map(eventOf).some((e) => e.type === 'RunCompleted')).toBe(false);
    const killedAt = Date.now();
    running.child.kill('SIGTERM');
    const code = await running.exited;
    expect(code, running.output()).toBe(0);
    expect(running.output()).toContain('reclaim: stopped');
    // The token file is one complete JSON document: every valid token is in it, and no token
    // whose deletion the journal recorded.
    const tokens = box.tokens();
    for (const id of box.validIds) expect(tokens[id]).toBeDefined();
    // The journal parses line by line and the run that was cut into ended with its summary, after
    // the signal: cancelled at a safe point, every intent closed (deleted or skipped as cancelled).
    const journal = journalLines(box.journalFile);
    const last = journal.at(-1)!;
    expect(last.type).toBe('RunCompleted');
    expect(Date.parse(last.at)).toBeGreaterThanOrEqual(killedAt - 5);
    const deletedBefore = journal.filter((e) => e.type === 'ItemDeleted').length;
    for (const e of journal) {
      const target = e.data.target as { kind: string; id?: string } | undefined;
      if (e.type === 'ItemDeleted' && target?.kind === 'record') expect(tokens[target.id as string]).toBeUndefined();
    }
    const cancelled = journal.filter((e) => e.type === 'DeletionSkipped' && e.data.reason === 'cancelled').length;
    expect(journal.filter((e) => e.type === 'DeletionPlanned')).toHaveLength(deletedBefore + cancelled);
    if (last.data.outcome === 'partial') expect((last.data.error as { code?: string } | undefined)?.code).toBe('RECLAIM_RUN_CANCELLED');
    else expect(last.data.outcome).toBe('success');
    // Every valid token still has its file.
    const wavs = new Set(readdirSync(box.storagePath));
    for (const id of box.validIds) expect(wavs.has(`${id}.wav`)).toBe(true);

    // The next start finds nothing open; its run finishes what the cancelled one left; the one after has nothing to do.
    const service = createCleanupService({ storagePath: box.storagePath, tokenFile: box.tokenFile });
    try {
      const report = await service.ready;
      expect(report.recovered).toBe(0);
      expect(report.invalid).toEqual([]);
      const next = await service.runCleanup();
      expect(next.success).toBe(true);
      expect(service.getMetrics().tokensCleaned).toBe(2000);
      expect(Object.keys(box.tokens()).sort()).toEqual([...box.validIds].sort());
      expect(readdirSync(box.storagePath).filter((n) => n.endsWith('.wav')).sort()).toEqual(box.validIds.map((id) => `${id}.wav`).sort());
      const after = await service.runCleanup();
      expect(after.outcome).toBe('noop');
    } finally {
      await service.close();
    }
  });

  it('SIGINT while idle stops at once with exit 0 and leaves the journal lock released', async () => {
    box = fileSandbox({ expired: 2, valid: 2, orphans: 0 });
    running = startServe(box, ['--no-run-on-start']);
    const apiUrl = await running.apiUrl;
    const status = await (await fetch(`${apiUrl}/schedule/status`)).json();
    expect(status).toEqual({ status: 'success', scheduled: true, interval_hours: 1 });
    const manual = await (await fetch(`${apiUrl}/manual`, { method: 'POST' })).json();
    expect(manual.result.tokens_cleaned).toBe(2);
    const started = Date.now();
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(existsSync(`${box.journalFile}.lock`)).toBe(false);
    expect(Object.keys(box.tokens()).sort()).toEqual(['val0', 'val1']);
  });

  it('guards every route with RECLAIM_API_TOKEN and refuses bad flags with exit code 2', async () => {
    box = fileSandbox({ expired: 0, valid: 1, orphans: 0 });
    const token = 'serve-token-0123456789abcdefghij';
    running = startServe(box, ['--no-schedule'], { RECLAIM_API_TOKEN: token });
    const apiUrl = await running.apiUrl;
    expect((await fetch(`${apiUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const status = await (await fetch(`${apiUrl}/schedule/status`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(status.scheduled).toBe(false);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    for (const bad of [['--port', 'eighty'], ['--interval-hours', '0'], ['--token', 'short']]) {
      running = startServe(box, bad);
      expect(await running.exited, bad.join(' ')).toBe(2);
      expect(running.output()).toMatch(new RegExp(bad[0] as string));
    }
  });
});
