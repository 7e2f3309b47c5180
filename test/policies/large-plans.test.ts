import { from, lastValueFrom, reduce } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Decision, Policy, PolicyInput, StorageEvent, StoredRecord, Usage } from '../../src/kernel/index.js';
import { emergencyPolicy, expiryPolicy, serverEmergencyOptions } from '../../src/policies/index.js';
import { HOUR, NOW, tokenRecord } from '../support/records.js';

// Far more decisions than a function call can take as arguments: a planner that spreads its
// decisions into one call (`of(...decisions)`) fails with a RangeError from about 125k on.
const RECORDS = 300_000;

function oldTokens(count: number): StoredRecord[] {
  const records: StoredRecord[] = new Array<StoredRecord>(count);
  for (let i = 0; i < count; i += 1) {
    records[i] = tokenRecord(`t${i}`, { createdAt: NOW - 100 * HOUR - i, size: 1000, inRoot: true, key: `t${i}.wav` });
  }
  return records;
}

/** Runs a policy's planner over records, as the kernel feeds it, and counts its decisions by kind. */
async function planCounts<O>(policy: Policy<O>, records: readonly StoredRecord[], options: O, usage: Usage): Promise<Record<string, number>> {
  const storage$ = from(records.map((record): StorageEvent => ({ type: 'RecordObserved', record })));
  const input: PolicyInput<O> = { storage$, source: { status: 'ok' }, usage, now: NOW, options, dryRun: false, runId: 'run-large' };
  return lastValueFrom(
    policy.plan(input).pipe(
      reduce((counts: Record<string, number>, decision: Decision) => {
        counts[decision.kind] = (counts[decision.kind] ?? 0) + 1;
        return counts;
      }, {}),
    ),
  );
}

describe('policies with very many decisions', () => {
  it(`expiry plans the removal of ${RECORDS.toLocaleString('en')} expired tokens in one run`, async () => {
    const counts = await planCounts(expiryPolicy, oldTokens(RECORDS), { retentionHours: 24, basis: 'token' }, { usedBytes: 0, limitBytes: null });
    expect(counts).toEqual({ delete: RECORDS });
  });

  it(`emergency plans the eviction of ${RECORDS.toLocaleString('en')} tokens when all must go`, async () => {
    // A 1000-byte limit and 300 MB used: the low-water mark (800 bytes) leaves room for no token.
    const options = serverEmergencyOptions(1, { limitBytes: 1000, minAgeMinutes: 0 });
    const counts = await planCounts(emergencyPolicy, oldTokens(RECORDS), options, { usedBytes: RECORDS * 1000, limitBytes: options.limitBytes });
    expect(counts).toEqual({ pressure: 1, delete: RECORDS });
  });
});
