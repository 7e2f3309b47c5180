import fc from 'fast-check';
import picomatch from 'picomatch';
import { firstValueFrom, from, Observable, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Decision, ObservedFile, SourceStatus, StorageEvent, StoredRecord } from '../../src/kernel/index.js';
import { isAlwaysKept, orphanPolicy, type OrphanOptions } from '../../src/policies/index.js';
import { HOUR, MINUTE, NOW, tokenRecord } from '../support/records.js';

function plan(events: StorageEvent[], options: OrphanOptions, source: SourceStatus = { status: 'ok' }): Promise<Decision[]> {
  return firstValueFrom(
    orphanPolicy
      .plan({ storage$: from(events), source, usage: { usedBytes: 0, limitBytes: null }, now: NOW, options, dryRun: false, runId: 'r' })
      .pipe(toArray()),
  );
}

const segment = fc.constantFrom('a', 'b', 'c', '.hidden', 'x.tmp', 'y.part', 'clip.wav', 'keep.wav', 'sub');
const arbKey = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const arbFile = fc.record({
  key: arbKey,
  size: fc.nat(5000),
  ageMinutes: fc.integer({ min: 0, max: 600 }),
  type: fc.constantFrom<ObservedFile['type']>('file', 'file', 'file', 'symlink', 'other'),
  reserved: fc.boolean(),
});

describe('orphan policy', () => {
  it('never removes a referenced, young, excluded, reserved, dot/temp or non-regular file; removes the rest', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(arbFile, { selector: (f) => f.key, maxLength: 30 }),
        fc.array(arbKey, { maxLength: 10 }),
        fc.array(arbKey, { maxLength: 5 }),
        fc.constantFrom(0, 30, 60),
        fc.constantFrom<string[]>([], ['**/keep.wav'], ['sub/**']),
        async (files, refs, rejectedRefs, graceMinutes, exclude) => {
          const records: StoredRecord[] = refs.map((key, i) => tokenRecord(`t${i}`, { createdAt: NOW, key }));
          const events: StorageEvent[] = [
            ...records.map((record): StorageEvent => ({ type: 'RecordObserved', record })),
            ...rejectedRefs.map((key, i): StorageEvent => ({ type: 'EntryRejected', entry: { id: `bad${i}`, reason: 'x', refs: [key] } })),
            ...files.map((f): StorageEvent => ({
              type: 'FileObserved',
              file: { key: f.key, size: f.size, mtimeMs: NOW - f.ageMinutes * MINUTE, type: f.type, ...(f.reserved ? { reserved: true } : {}) },
            })),
          ];
          const decisions = await plan(events, { graceMinutes, exclude });
          const deleted = new Set(decisions.flatMap((d) => (d.kind === 'delete' && d.target.kind === 'file' ? [d.target.path] : [])));
          const protectedKeys = new Set([...refs, ...rejectedRefs]);
          const excluded = exclude.length === 0 ? () => false : picomatch(exclude, { dot: true });
          for (const f of files) {
            const mustKeep =
              protectedKeys.has(f.key) ||
              f.reserved ||
              f.type !== 'file' ||
              f.ageMinutes * MINUTE < graceMinutes * MINUTE ||
              isAlwaysKept(f.key) ||
              excluded(f.key);
            expect(deleted.has(f.key)).toBe(!mustKeep);
          }
        },
      ),
    );
  });

  it('removes nothing and scans nothing when the token source is unreadable or missing', async () => {
    for (const source of [
      { status: 'unreadable', reason: 'Unexpected end of JSON input' },
      { status: 'missing', reason: 'ENOENT ./recovery_tokens.json' },
    ] as const) {
      let subscribed = false;
      const storage$ = from([{ type: 'FileObserved', file: { key: 'a.wav', size: 1, mtimeMs: NOW - 10 * HOUR, type: 'file' } } as StorageEvent]);
      const decisions = await firstValueFrom(
        orphanPolicy
          .plan({
            storage$: new Observable<StorageEvent>((subscriber) => {
              subscribed = true;
              return storage$.subscribe(subscriber);
            }),
            source,
            usage: { usedBytes: 0, limitBytes: null },
            now: NOW,
            options: { graceMinutes: 0, exclude: [] },
            dryRun: false,
            runId: 'r',
          })
          .pipe(toArray()),
      );
      expect(decisions).toHaveLength(1);
      expect(decisions[0]?.kind).toBe('suspend');
      expect(subscribed).toBe(false);
    }
  });

  it('reports a young unreferenced file as kept for its grace period', async () => {
    const decisions = await plan(
      [{ type: 'FileObserved', file: { key: 'fresh.wav', size: 5, mtimeMs: NOW - 5 * MINUTE, type: 'file' } }],
      { graceMinutes: 60, exclude: [] },
    );
    expect(decisions).toEqual([{ kind: 'skip', target: { kind: 'file', path: 'fresh.wav' }, reason: 'grace' }]);
  });
});
