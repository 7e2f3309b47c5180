/**
 * Probe: the token file with N tokens. `read` is `TokenFile.read()` (read, JSON.parse, every
 * entry parsed into a token); `save` is one cleanup commit, `TokenFile.removeTokens()` of one
 * token: take the lock, re-read, remove, serialise, write a temp file, fsync, rename, fsync the
 * folder. Also the raw parts: JSON.parse, serialise, atomic write.
 * Usage: token-file.mjs <dir> <tokens> <seed> <repetitions>
 */
import { readFileSync } from 'node:fs';
import { TokenFile, parseTokenDocument, serializeTokenDocument, writeFileAtomically } from '../../src/stores/json-file/index.js';
import { datasetPaths, writeTokenFile, type DatasetSpec } from '../lib/dataset.js';
import { median } from '../lib/stats.js';
import { arg, report } from './report.js';

const dir = arg(0, 'dir');
const tokens = Number(arg(1, 'tokens'));
const spec: DatasetSpec = { files: tokens, tokens, seed: Number(arg(2, 'seed')), layout: 'flat', nowMs: Date.now() };
const repetitions = Number(arg(3, 'repetitions'));
const paths = datasetPaths(dir);
writeTokenFile(spec, paths);
const bytes = readFileSync(paths.tokenFile).length;

const file = new TokenFile(paths.tokenFile);
const readMs: number[] = [];
const saveMs: number[] = [];
const parseMs: number[] = [];
const serializeMs: number[] = [];
const writeMs: number[] = [];
let ids: string[] = [];
for (let r = 0; r < repetitions; r += 1) {
  let t = performance.now();
  const snapshot = await file.read();
  readMs.push(performance.now() - t);
  if (ids.length === 0) ids = snapshot.tokens.map((token) => token.id);

  t = performance.now();
  await file.removeTokens(new Map([[ids[r] as string, undefined]]));
  saveMs.push(performance.now() - t);

  const text = readFileSync(paths.tokenFile, 'utf8');
  t = performance.now();
  const parsed = parseTokenDocument(text);
  parseMs.push(performance.now() - t);
  if (parsed.status !== 'ok') throw new Error(parsed.reason);
  t = performance.now();
  const out = serializeTokenDocument(parsed.document);
  serializeMs.push(performance.now() - t);
  t = performance.now();
  await writeFileAtomically(paths.tokenFile, out);
  writeMs.push(performance.now() - t);
}
report({
  tokens,
  bytes,
  readMs: median(readMs),
  saveMs: median(saveMs),
  parseMs: median(parseMs),
  serializeMs: median(serializeMs),
  atomicWriteMs: median(writeMs),
});
