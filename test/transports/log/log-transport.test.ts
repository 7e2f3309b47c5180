import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { createKernel, EVENT_TYPES, type DomainEvent, type EventType, type Kernel } from '../../../src/kernel/index.js';
import { attachEventLogger, createEventLogger } from '../../../src/transports/log/index.js';
import { expiryPolicy } from '../../../src/policies/index.js';
import { MemoryStore } from '../../../src/stores/memory/index.js';
import { CollectingTransport, drain, eventfulPolicies, eventfulStore, NOW, tickingClock } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

function eventfulKernel(): { kernel: Kernel; store: ReturnType<typeof eventfulStore>; seen: DomainEvent[] } {
  const store = eventfulStore();
  const kernel = createKernel({ store, policies: eventfulPolicies, clock: tickingClock() });
  const seen: DomainEvent[] = [];
  kernel.events$.subscribe((event) => seen.push(event));
  return { kernel, store, seen };
}

function debugLogger(options: Partial<winston.LoggerOptions> = {}): { logger: winston.Logger; transport: CollectingTransport } {
  const transport = new CollectingTransport();
  return { logger: winston.createLogger({ level: 'debug', transports: [transport], ...options }), transport };
}

// The levels the transport promises, written out here rather than read from its table.
const EXPECTED_LEVEL: Partial<Record<EventType, string>> = {
  PolicyFailed: 'error',
  StoreFailed: 'error',
  DeletionFailed: 'error',
  EntryRejected: 'warn',
  PolicySuspended: 'warn',
  EmergencyTriggered: 'warn',
  RunStarted: 'info',
  ItemDeleted: 'info',
  DeletionPlanned: 'debug',
  DeletionSkipped: 'debug',
  ItemAlreadyGone: 'debug',
  StorageMeasured: 'debug',
};

describe('logging transport', () => {
  it('logs every event of real runs once, in order, at its level, as a structured record', async () => {
    const { kernel, store, seen } = eventfulKernel();
    const { logger, transport } = debugLogger();
    attachEventLogger(kernel, logger);
    await kernel.run();
    store.setSource({ status: 'unreadable', reason: 'unexpected end of JSON input' });
    await kernel.run();
    await kernel.close();
    await drain(logger);

    const records = transport.records;
    expect(records.map((r) => [r.event, r.seq])).toEqual(seen.map((e) => [e.type, e.seq]));
    // The runs produced every event type but the compaction.
    expect(new Set(seen.map((e) => e.type))).toEqual(new Set(EVENT_TYPES.filter((t) => t !== 'JournalCompacted')));
    for (const [index, event] of seen.entries()) {
      const record = records[index] as Record<string, unknown>;
      const expected = event.type === 'RunCompleted' ? { success: 'info', noop: 'info', partial: 'warn', error: 'warn' }[event.data.outcome] : EXPECTED_LEVEL[event.type];
      expect(record.level, `${event.type} #${event.seq}`).toBe(expected);
      expect(record).toMatchObject({ event: event.type, seq: event.seq, at: event.at, runId: event.runId });
      expect(typeof record.message).toBe('string');
      expect((record.message as string).length).toBeGreaterThan(10);
    }
    const outcomes = seen.flatMap((e) => (e.type === 'RunCompleted' ? [e.data.outcome] : []));
    expect(outcomes.every((o) => o === 'partial' || o === 'error')).toBe(true);
  });

  it('logs a clean run at info, and a compaction without its whole snapshot', async () => {
    const store = new MemoryStore({ records: [{ id: 'old', createdAt: NOW - 72 * 3_600_000 }] });
    const kernel = createKernel({ store, policies: [{ policy: expiryPolicy, options: { retentionHours: 24 } }], clock: tickingClock(), config: { compactAfterEvents: 1 } });
    const { logger, transport } = debugLogger();
    attachEventLogger(kernel, logger);
    await kernel.run();
    await kernel.run();
    await kernel.close();
    await drain(logger);
    const completed = transport.records.filter((r) => r.event === 'RunCompleted');
    expect(completed.map((r) => [r.outcome, r.level])).toEqual([
      ['success', 'info'],
      ['noop', 'info'],
    ]);
    const compacted = transport.records.find((r) => r.event === 'JournalCompacted');
    expect(compacted).toMatchObject({ level: 'info', projections: ['metrics', 'runHistory', 'usageHistory'], message: expect.stringMatching(/^Journal compacted through seq \d+$/) });
    expect(compacted).not.toHaveProperty('snapshot');
  });

  it('puts the data fields in the record without clobbering winston’s message', async () => {
    const { kernel } = eventfulKernel();
    const { logger, transport } = debugLogger();
    attachEventLogger(kernel, logger);
    await kernel.run();
    await kernel.close();
    await drain(logger);
    const failed = transport.records.find((r) => r.event === 'DeletionFailed');
    expect(failed).toMatchObject({
      level: 'error',
      message: 'Could not delete record old-locked with file old-locked.wav (expiry): EACCES: cannot delete record:old-locked',
      policy: 'expiry',
      target: { kind: 'record', id: 'old-locked', file: 'old-locked.wav' },
      code: 'EACCES',
      errorMessage: 'EACCES: cannot delete record:old-locked',
    });
    const deleted = transport.records.find((r) => r.event === 'ItemDeleted' && (r.target as { id?: string }).id === 'old-1');
    expect(deleted).toMatchObject({ level: 'info', message: 'Deleted record old-1 with file old-1.wav (expiry, 9.8 KiB freed)', bytesFreed: 10_000 });
    const completed = transport.records.find((r) => r.event === 'RunCompleted');
    const totals = completed?.totals as { deleted: number; failed: number };
    expect(totals.failed).toBeGreaterThan(0);
    expect(completed?.message).toMatch(new RegExp(`^Cleanup run partial: deleted ${totals.deleted}, freed [\\d.]+ KiB, ${totals.failed} failed in \\d+ ms$`));
  });

  it('attaches to a host logger with syslog levels, and takes level overrides and defaults', async () => {
    const { kernel } = eventfulKernel();
    const { logger, transport } = debugLogger({ levels: winston.config.syslog.levels });
    attachEventLogger(kernel, logger.child({ component: 'reclaim' }), { levels: { ItemDeleted: 'debug', RunCompleted: { partial: 'error' } } });
    await kernel.run();
    await kernel.close();
    await drain(logger);
    expect(transport.records.find((r) => r.event === 'EntryRejected')?.level).toBe('warning');
    expect(transport.records.find((r) => r.event === 'ItemDeleted')?.level).toBe('debug');
    expect(transport.records.find((r) => r.event === 'RunCompleted')?.level).toBe('error');
    expect(transport.records.find((r) => r.event === 'RunStarted')).toMatchObject({ level: 'info', component: 'reclaim' });
  });

  it('stops at unsubscribe, and outlives a logger that throws', async () => {
    const { kernel, seen } = eventfulKernel();
    const { logger, transport } = debugLogger();
    const subscription = attachEventLogger(kernel, logger, { filter: (e) => e.type === 'RunStarted' });
    const failures: string[] = [];
    attachEventLogger(kernel, { log: () => { throw new Error('disk full'); } }, { onError: (_error, event) => failures.push(event.type) });
    await kernel.run();
    subscription.unsubscribe();
    await kernel.run();
    await kernel.close();
    await drain(logger);
    expect(transport.records.map((r) => r.event)).toEqual(['RunStarted']);
    expect(failures).toEqual(seen.map((e) => e.type));
  });

  it('writes JSON lines, or pretty lines, through the default logger', async () => {
    for (const format of ['json', 'pretty'] as const) {
      const { kernel, seen } = eventfulKernel();
      const stream = new PassThrough();
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      const logger = createEventLogger({ stream, format, defaultMeta: { service: 'tts' } });
      attachEventLogger(kernel, logger);
      await kernel.run();
      await kernel.close();
      await drain(logger);
      const lines = text.trimEnd().split('\n');
      // Level info: the debug records are left out.
      const logged = seen.filter((e) => !['DeletionPlanned', 'DeletionSkipped', 'ItemAlreadyGone', 'StorageMeasured'].includes(e.type));
      expect(lines).toHaveLength(logged.length);
      if (format === 'json') {
        const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(parsed.map((r) => r.seq)).toEqual(logged.map((e) => e.seq));
        expect(parsed[0]).toMatchObject({ level: 'info', event: 'RunStarted', service: 'tts', message: expect.stringContaining('Cleanup run started') });
        expect(typeof parsed[0]?.timestamp).toBe('string');
      } else {
        expect(lines[0]).toMatch(/info.*Cleanup run started \(manual\).*\[RunStarted #1 run-/);
      }
    }
  });

  it('sends info to stdout and warnings and errors to stderr, as JSON lines off a terminal', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'default-logger.ts')], { cwd: repoRoot });
    const out = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const err = stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(new Set(out.map((r) => r.level))).toEqual(new Set(['info']));
    expect(new Set(err.map((r) => r.level))).toEqual(new Set(['warn', 'error']));
    expect(out[0]).toMatchObject({ event: 'RunStarted', service: 'fixture' });
    expect(err.map((r) => r.event)).toContain('DeletionFailed');
  });

  it('is imported by nothing under src/kernel: transports depend on the kernel, never the reverse', async () => {
    const kernelDir = join(repoRoot, 'src', 'kernel');
    const files = (await readdir(kernelDir, { recursive: true })).filter((f) => f.endsWith('.ts'));
    for (const file of files) {
      const source = await readFile(join(kernelDir, file), 'utf8');
      expect(source, file).not.toMatch(/from '(\.\.\/)+(transports|stores)\//);
      expect(source, file).not.toMatch(/from 'winston/);
    }
  });
});
