/**
 * Seeds ./recovery_storage and ./recovery_tokens.json with demo data (`npm run demo:seed`):
 * valid tokens, expired tokens, tokens in the older `path`/`expires` form, a bad entry, and
 * orphaned files, so `npm run cleanup -- --dry-run` and `npm run cleanup` have work to show.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const storage = join(root, 'recovery_storage');
mkdirSync(storage, { recursive: true });
const now = Date.now();
const HOUR = 3_600_000;
const naive = (ms: number): string => new Date(ms).toISOString().replace('Z', '');
const tokens: Record<string, unknown> = {};

function audio(name: string, kib: number, ageHours: number): string {
  const path = join(storage, name);
  writeFileSync(path, Buffer.alloc(kib * 1024, 0x2a));
  const at = new Date(now - ageHours * HOUR);
  utimesSync(path, at, at);
  return path;
}

for (let i = 0; i < 5; i++) {
  const id = `valid${i}`;
  tokens[id] = { token_id: id, file_path: audio(`${id}.wav`, 64, 1), created_at: naive(now - HOUR), expires_at: naive(now + 23 * HOUR), file_size: 65536 };
}
for (let i = 0; i < 5; i++) {
  const id = `expired${i}`;
  tokens[id] = { token_id: id, file_path: audio(`${id}.wav`, 128, 30), created_at: naive(now - 30 * HOUR), expires_at: naive(now - 6 * HOUR), file_size: 131072 };
}
tokens.legacy = { path: `${audio('legacy.wav', 32, 40)}`, expires: Math.floor((now - 10 * HOUR) / 1000) };
tokens.broken = { token_id: 'broken', file_path: 'broken.wav', created_at: 'not a date' };
for (let i = 0; i < 3; i++) audio(`orphan${i}.wav`, 16, 5);
writeFileSync(join(root, 'recovery_tokens.json'), `${JSON.stringify(tokens, null, 2)}\n`);
console.log(`seeded ${Object.keys(tokens).length} tokens and ${5 + 5 + 1 + 3} files in ${storage}`);
