/**
 * Probe: the emergency policy's pure planner (`planEmergency`, which calls `selectEvictions`)
 * on N token records, with usage at 110% of the limit so ~27% of the bytes must go to reach the
 * 80% low-water mark. Usage: emergency.mjs <tokens> <seed> <repetitions>
 */
import { planEmergency, selectEvictions, serverEmergencyOptions, type EvictionCandidate } from '../../src/policies/index.js';
import type { StoredRecord } from '../../src/kernel/index.js';
import { hash32 } from '../lib/random.js';
import { arg, report } from './report.js';
import { median } from '../lib/stats.js';

const tokens = Number(arg(0, 'tokens'));
const seed = Number(arg(1, 'seed'));
const repetitions = Number(arg(2, 'repetitions'));
const now = Date.UTC(2025, 8, 7);
const HOUR = 3_600_000;

const records: StoredRecord[] = [];
let used = 0;
for (let i = 0; i < tokens; i += 1) {
  const id = `${hash32(seed, i, 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`;
  const size = 1024 + (hash32(seed, i, 1) % 64_513);
  // Created over the last 72 h, to the millisecond (ties are possible and broken by id).
  const createdAt = now - (hash32(seed, i, 2) % (72 * HOUR));
  records.push({ id, kind: 'token', createdAt, bytes: size, file: { path: `${id}.wav`, key: `${id}.wav`, inRoot: true, exists: true, size }, refs: [`${id}.wav`] });
  used += size;
}
const limitBytes = Math.floor(used / 1.1);
const options = serverEmergencyOptions(limitBytes / 1_048_576);
const candidates: EvictionCandidate[] = records.map((r) => ({ id: r.id, age: r.createdAt as number, bytes: r.bytes }));

const planMs: number[] = [];
const selectMs: number[] = [];
let evicted = 0;
for (let r = 0; r < repetitions; r += 1) {
  let t = performance.now();
  const decisions = planEmergency(records, { usedBytes: used, limitBytes }, now, options);
  planMs.push(performance.now() - t);
  evicted = decisions.filter((d) => d.kind === 'delete').length;
  t = performance.now();
  selectEvictions(candidates, used, Math.floor(limitBytes * 0.8));
  selectMs.push(performance.now() - t);
}
report({ tokens, evicted, planMs: median(planMs), selectMs: median(selectMs), planRuns: planMs, selectRuns: selectMs });
