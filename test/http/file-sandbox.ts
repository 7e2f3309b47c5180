import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A storage folder and token file in a temp directory, in the original service's format. */
export interface FileSandbox {
  readonly dir: string;
  readonly storagePath: string;
  readonly tokenFile: string;
  readonly journalFile: string;
  readonly expiredIds: readonly string[];
  readonly validIds: readonly string[];
  /** The token file parsed (throws when it is not valid JSON). */
  tokens(): Record<string, unknown>;
  cleanup(): void;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');

/**
 * Writes `expired` expired tokens and `valid` valid ones, each with a 1 KiB file, and `orphans`
 * old unreferenced files, as naive-UTC ISO times like the original service wrote them.
 */
export function fileSandbox(counts: { expired: number; valid: number; orphans: number }): FileSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'reclaim-http-'));
  const storagePath = join(dir, 'recovery_storage');
  const tokenFile = join(dir, 'recovery_tokens.json');
  mkdirSync(storagePath);
  const now = Date.now();
  const old = now - 48 * 3_600_000;
  const tokens: Record<string, unknown> = {};
  const expiredIds: string[] = [];
  const validIds: string[] = [];
  const add = (id: string, createdAt: number, expiresAt: number): void => {
    const path = join(storagePath, `${id}.wav`);
    writeFileSync(path, Buffer.alloc(1024, 0x61));
    tokens[id] = { token_id: id, file_path: path, expires_at: iso(expiresAt), created_at: iso(createdAt), file_size: 1024 };
  };
  for (let i = 0; i < counts.expired; i++) {
    expiredIds.push(`exp${i}`);
    add(`exp${i}`, old, now - 3_600_000);
  }
  for (let i = 0; i < counts.valid; i++) {
    validIds.push(`val${i}`);
    add(`val${i}`, now, now + 24 * 3_600_000);
  }
  for (let i = 0; i < counts.orphans; i++) {
    const path = join(storagePath, `orphan${i}.wav`);
    writeFileSync(path, Buffer.alloc(512, 0x62));
    utimesSync(path, old / 1000, old / 1000);
  }
  writeFileSync(tokenFile, `${JSON.stringify(tokens, null, 2)}\n`);
  return {
    dir,
    storagePath,
    tokenFile,
    journalFile: `${tokenFile}.journal.jsonl`,
    expiredIds,
    validIds,
    tokens: () => JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, unknown>,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every line of a JSON-lines journal, parsed (throws on a line that is not JSON). */
export function journalLines(path: string): { type: string; seq: number; at: string; runId?: string; data: Record<string, unknown> }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
