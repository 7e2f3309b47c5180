import { existsSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatTokenTime } from '../../../src/stores/json-file/index.js';
import { HOUR, lockFile, MINUTE, sandbox, type Sandbox } from './helpers.js';
import { eventsOf, runCleanup } from './run-cleanup.js';

let box: Sandbox;
let outside: string;
const now = Date.now();
const old = now - 3 * HOUR;
const naive = (ms: number): string => formatTokenTime(ms);

beforeEach(() => {
  box = sandbox('reclaim-run-');
  outside = mkdtempSync(join(tmpdir(), 'reclaim-outside-'));
  writeFileSync(join(outside, 'precious.wav'), 'precious');
});
afterEach(() => {
  box.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const tokenIds = (): string[] => Object.keys(JSON.parse(readFileSync(box.tokenFile, 'utf8')) as object).sort();
const present = (key: string): boolean => existsSync(join(box.root, key));

describe('ServerStore under the kernel: expiry and orphans', () => {
  it('expires tokens of every time form with their files, keeps valid ones, and deletes only old unreferenced files', async () => {
    box.file('exp-naive.wav', 10, old);
    box.file('exp-seconds.wav', 20, old);
    box.file('exp-abs.wav', 30, old);
    box.file('exp-older-form.wav', 40, old);
    box.file('exp-retention.wav', 50, old);
    box.file('valid.wav', 1, old);
    box.file('sub/cwd-relative.wav', 1, old);
    box.file('token-dir-relative.wav', 1, old);
    box.file('rejected.wav', 1, old);
    box.file('orphan-old.wav', 60, old);
    box.file('shard/ab/orphan-deep.wav', 70, old);
    box.file('orphan-young.wav', 80, now - 5 * MINUTE);
    box.file('.hidden', 1, old);
    box.file('upload.tmp', 1, old);
    box.file('upload.part', 1, old);
    box.file('keep/excluded.wav', 1, old);
    box.tokens({
      naive: { token_id: 'naive', file_path: 'exp-naive.wav', created_at: naive(now - 2 * HOUR), expires_at: naive(now - HOUR), file_size: 10 },
      seconds: { file_path: 'exp-seconds.wav', created_at: (now - 2 * HOUR) / 1000, expires_at: Math.floor((now - HOUR) / 1000), note: { kept: true } },
      abs: { file_path: join(box.root, 'exp-abs.wav'), created_at: new Date(now - 2 * HOUR).toISOString(), expires_at: '2020-01-01T00:00:00+01:00' },
      older: { path: 'exp-older-form.wav', expires: String(now - HOUR) },
      retention: { file_path: 'exp-retention.wav', created_at: now - 25 * HOUR, expires_at: now + 10 * HOUR },
      valid: { file_path: 'valid.wav', created_at: naive(now - HOUR), expires_at: naive(now + HOUR) },
      // Relative to the working directory (root/sub here) and to the token file's folder.
      cwdrel: { file_path: 'cwd-relative.wav', created_at: now - HOUR, expires_at: now + HOUR },
      tokdir: { file_path: 'storage/token-dir-relative.wav', created_at: now - HOUR, expires_at: now + HOUR },
      broken: { file_path: 'rejected.wav', created_at: 'not a time' },
    });
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile, cwd: join(box.root, 'sub'), exclude: ['keep/**'] });

    expect(run.result.outcome).toBe('success');
    expect(run.result.totals).toMatchObject({ records: 5, files: 7, bytesFreed: 10 + 20 + 30 + 40 + 50 + 60 + 70, rejected: 1, failed: 0 });
    for (const gone of ['exp-naive.wav', 'exp-seconds.wav', 'exp-abs.wav', 'exp-older-form.wav', 'exp-retention.wav', 'orphan-old.wav', 'shard/ab/orphan-deep.wav']) {
      expect(present(gone), gone).toBe(false);
    }
    for (const kept of ['valid.wav', 'sub/cwd-relative.wav', 'token-dir-relative.wav', 'rejected.wav', 'orphan-young.wav', '.hidden', 'upload.tmp', 'upload.part', 'keep/excluded.wav']) {
      expect(present(kept), kept).toBe(true);
    }
    expect(tokenIds()).toEqual(['broken', 'cwdrel', 'tokdir', 'valid']);
    // The rejected entry is kept exactly as it was.
    expect((JSON.parse(readFileSync(box.tokenFile, 'utf8')) as Record<string, unknown>).broken).toEqual({ file_path: 'rejected.wav', created_at: 'not a time' });
    expect(eventsOf(run, 'EntryRejected').map((e) => e.data.id)).toEqual(['broken']);
    expect(eventsOf(run, 'DeletionSkipped').some((e) => e.data.reason === 'grace' && e.data.target.kind === 'file' && e.data.target.path === 'orphan-young.wav')).toBe(true);
    // Usage after the run is what is left on disk.
    expect(run.result.storageSize).toBe(1 + 1 + 1 + 1 + 80 + 1 + 1 + 1 + 1);
  });

  it('reads a top-level array token file and keeps it an array', async () => {
    box.file('a.wav', 5, old);
    box.file('b.wav', 5, old);
    box.tokens([
      { token_id: 'a', file_path: 'a.wav', created_at: now - 30 * HOUR },
      { token_id: 'b', file_path: 'b.wav', created_at: now - HOUR, extra: [1, 2] },
    ]);
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile });
    expect(run.result.totals.records).toBe(1);
    expect(present('a.wav')).toBe(false);
    expect(JSON.parse(readFileSync(box.tokenFile, 'utf8'))).toEqual([{ token_id: 'b', file_path: 'b.wav', created_at: now - HOUR, extra: [1, 2] }]);
  });

  it('removes an expired token that points outside the root but leaves its file, and says so', async () => {
    writeFileSync(join(outside, 'valid-outside.wav'), 'v');
    mkdirSync(join(box.dir, 'sibling'));
    writeFileSync(join(box.dir, 'sibling', 'escape.wav'), 'e');
    symlinkSync(outside, join(box.root, 'linkdir'));
    box.tokens({
      dotdot: { file_path: '../sibling/escape.wav', expires_at: now - HOUR },
      absolute: { file_path: join(outside, 'precious.wav'), expires_at: now - HOUR },
      through_link: { file_path: 'linkdir/precious.wav', expires_at: now - HOUR },
      valid_outside: { file_path: join(outside, 'valid-outside.wav'), expires_at: now + HOUR },
    });
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile });
    expect(run.result.success).toBe(true);
    expect(tokenIds()).toEqual(['valid_outside']);
    expect(run.result.totals).toMatchObject({ records: 3, files: 0, bytesFreed: 0 });
    expect(readFileSync(join(outside, 'precious.wav'), 'utf8')).toBe('precious');
    expect(existsSync(join(box.dir, 'sibling', 'escape.wav'))).toBe(true);
    expect(existsSync(join(outside, 'valid-outside.wav'))).toBe(true);
    const outsideSkips = eventsOf(run, 'DeletionSkipped').filter((e) => e.data.reason === 'outside-root');
    expect(outsideSkips.map((e) => e.data.detail).sort()).toEqual([
      'token absolute removed, file left alone',
      'token dotdot removed, file left alone',
      'token through_link removed, file left alone',
      'token valid_outside is valid',
    ]);
  });

  it('never follows or deletes a symlink in the root that points out, even as an old unreferenced entry', async () => {
    const link = join(box.root, 'link.wav');
    symlinkSync(join(outside, 'precious.wav'), link);
    lutimesSync(link, old / 1000, old / 1000);
    box.tokens({ t: { file_path: 'link.wav', expires_at: now - HOUR } });
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile, maxStorageMB: 1 });
    expect(existsSync(link)).toBe(true);
    expect(readFileSync(join(outside, 'precious.wav'), 'utf8')).toBe('precious');
    expect(tokenIds()).toEqual([]);
    expect(run.result.totals.files).toBe(0);
    // Once its token is gone the orphan pass meets the link, and skips it as a symlink.
    expect(eventsOf(run, 'DeletionSkipped').some((e) => e.data.reason === 'symlink' && e.data.target.kind === 'file' && e.data.target.path === 'link.wav')).toBe(true);
  });
});

describe('ServerStore under the kernel: what must never be deleted', () => {
  for (const [name, text] of [
    ['truncated', '{\n  "a": {"file_path": "a.wav", "created_at": 1700000000},\n  "b": {"file_pa'],
    ['garbled', '\u0000\u0013\u00ff{{{ not json at all'],
    ['empty', ''],
  ] as const) {
    it(`deletes nothing when the token file is ${name}, and leaves it byte-identical`, async () => {
      box.file('a.wav', 10, old);
      box.file('orphan.wav', 10, old);
      writeFileSync(box.tokenFile, text);
      const before = readFileSync(box.tokenFile);
      const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile, maxStorageMB: 0.000001 });
      expect(present('a.wav')).toBe(true);
      expect(present('orphan.wav')).toBe(true);
      expect(readFileSync(box.tokenFile).equals(before)).toBe(true);
      expect(run.result.success).toBe(false);
      expect(run.result.error?.code).toBe('RECLAIM_TOKEN_SOURCE_UNREADABLE');
      expect(eventsOf(run, 'PolicySuspended').map((e) => e.data.policy).sort()).toEqual(['emergency', 'orphan']);
    });
  }

  it('treats a missing token file as an empty database but suspends the orphan pass', async () => {
    box.file('orphan.wav', 10, old);
    const run = await runCleanup({ storagePath: box.root, tokenFile: join(box.dir, 'typo.json') });
    expect(present('orphan.wav')).toBe(true);
    expect(existsSync(join(box.dir, 'typo.json'))).toBe(false);
    expect(eventsOf(run, 'PolicySuspended').map((e) => e.data.policy)).toEqual(['orphan']);
  });

  it('never deletes the token file, its lock and temp files, or the journal when they live in the root', async () => {
    const tokenFile = join(box.root, 'recovery_tokens.json');
    writeFileSync(tokenFile, JSON.stringify({ t: { file_path: 't.wav', expires_at: now - HOUR } }));
    box.file('t.wav', 1, old);
    // A temp file of a live writer (this process): the token file's debris sweep leaves it too.
    const temp = `recovery_tokens.json.${process.pid}.abcd.tmp`;
    box.file(temp, 1, old);
    box.file('recovery_tokens.json.bak', 1, old);
    box.file('journal.jsonl', 1, old);
    box.file('journal.jsonl.1', 1, old);
    box.file('orphan.wav', 1, old);
    const run = await runCleanup({ storagePath: box.root, tokenFile, reservedPaths: [join(box.root, 'journal.jsonl')] });
    expect(run.result.success).toBe(true);
    expect(present('t.wav')).toBe(false);
    expect(present('orphan.wav')).toBe(false);
    for (const kept of ['recovery_tokens.json', temp, 'recovery_tokens.json.bak', 'journal.jsonl', 'journal.jsonl.1']) {
      expect(present(kept), kept).toBe(true);
    }
    expect(present('recovery_tokens.json.lock')).toBe(false);
    expect(JSON.parse(readFileSync(tokenFile, 'utf8'))).toEqual({});
  });

  it('goes on when a deletion is refused, counts the error and keeps that token', async () => {
    const stuck = box.file('stuck.wav', 10, old);
    const stuckOrphan = box.file('stuck-orphan.wav', 10, old);
    box.file('fine.wav', 10, old);
    box.file('orphan.wav', 10, old);
    box.tokens({
      stuck: { file_path: 'stuck.wav', expires_at: now - HOUR },
      fine: { file_path: 'fine.wav', expires_at: now - HOUR },
    });
    // chmod does not stop root; the immutable attribute does (unlink fails with EPERM).
    lockFile(stuck);
    lockFile(stuckOrphan);
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile });
    expect(run.result.outcome).toBe('partial');
    expect(run.result.success).toBe(false);
    expect(run.result.totals).toMatchObject({ failed: 2, records: 1, files: 2, bytesFreed: 20 });
    expect(run.errors).toBe(2);
    expect(run.lastError).toMatch(/stuck/);
    expect(tokenIds()).toEqual(['stuck']);
    expect(present('stuck.wav')).toBe(true);
    expect(present('stuck-orphan.wav')).toBe(true);
    expect(present('fine.wav')).toBe(false);
    expect(present('orphan.wav')).toBe(false);
    const failures = eventsOf(run, 'DeletionFailed');
    expect(failures.map((e) => [e.data.code, e.data.path]).sort()).toEqual([
      ['EPERM', stuckOrphan],
      ['EPERM', stuck],
    ]);
  });

  it('changes nothing in a dry run', async () => {
    box.file('a.wav', 10, old);
    box.file('orphan.wav', 10, old);
    box.tokens({ a: { file_path: 'a.wav', expires_at: now - HOUR } });
    const before = readFileSync(box.tokenFile);
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile, dryRun: true });
    expect(run.result.totals).toMatchObject({ records: 1, files: 2, bytesFreed: 20 });
    expect(present('a.wav') && present('orphan.wav')).toBe(true);
    expect(readFileSync(box.tokenFile).equals(before)).toBe(true);
  });
});

describe('ServerStore under the kernel: emergency', () => {
  it('evicts the oldest tokens with their files down to 80% of the limit, sparing young and undated ones', async () => {
    const MiB = 1_048_576;
    const tokens: Record<string, unknown> = {};
    for (let i = 0; i < 6; i += 1) {
      box.file(`t${i}.wav`, MiB / 4, old);
      tokens[`t${i}`] = { file_path: `t${i}.wav`, created_at: now - (10 - i) * HOUR, expires_at: now + 10 * HOUR };
    }
    box.file('young.wav', MiB / 4, now);
    tokens.young = { file_path: 'young.wav', created_at: now - MINUTE, expires_at: now + 10 * HOUR };
    box.file('undated.wav', MiB / 4, old);
    tokens.undated = { file_path: 'undated.wav', expires_at: now + 10 * HOUR };
    box.tokens(tokens);
    // 8 × 0.25 MiB = 2 MiB over a 1.5 MiB limit: down to 1.2 MiB, i.e. evict 4 files, oldest first.
    const run = await runCleanup({ storagePath: box.root, tokenFile: box.tokenFile, maxStorageMB: 1.5 });
    expect(run.result.success).toBe(true);
    expect(tokenIds()).toEqual(['t4', 't5', 'undated', 'young']);
    expect(run.result.emergency).toMatchObject({ freedBytes: MiB, shortfallBytes: 0 });
    expect(run.result.storageSize).toBe(MiB);
  });
});
