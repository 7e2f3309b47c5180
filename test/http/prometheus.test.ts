import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJournal } from '../../src/kernel/index.js';
import { createPrometheusExporter } from '../../src/transports/prometheus/index.js';
import { memoryService, seededStore, serve, type Served } from './helpers.js';

/** One sample of the text exposition format 0.0.4. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|\\+Inf|-Inf|NaN))(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Parses exposition text, throwing on the first line that breaks the format. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type !== null) {
      if (types.has(type[1] as string)) throw new Error(`line ${index + 1}: second TYPE for ${type[1]}`);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (HELP.test(line)) continue;
    if (line.startsWith('#')) throw new Error(`line ${index + 1}: unknown comment: ${line}`);
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`line ${index + 1}: not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const match of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] as string] = match[2] as string;
    samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(served: Served): Promise<{ samples: Sample[]; types: Map<string, string>; contentType: string | null }> {
  const response = await fetch(`${served.url}/api/cleanup/prometheus`);
  expect(response.status).toBe(200);
  return { ...parseExposition(await response.text()), contentType: response.headers.get('content-type') };
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('the exposition parser used here', () => {
  it('rejects what breaks the format, so the route tests below can fail', () => {
    expect(() => parseExposition('metric{a="1"} 1\n')).not.toThrow();
    expect(() => parseExposition('metric{a=1} 1\n')).toThrow(/not a sample/);
    expect(() => parseExposition('metric 1 2 3\n')).toThrow(/not a sample/);
    expect(() => parseExposition('# TYPE m counter\n# TYPE m counter\n')).toThrow(/second TYPE/);
    expect(() => parseExposition('bad-name 1\n')).toThrow(/not a sample/);
  });
});

describe('GET /prometheus', () => {
  it('serves valid exposition text whose counters move after a run', async () => {
    const store = seededStore({ expired: 3, valid: 1, orphans: 2 });
    store.putFile({ key: 'young-orphan.wav', size: 5, mtimeMs: Date.now() });
    served = await serve(memoryService(store, { options: { maxStorageMB: 2 } }));
    const before = await scrape(served);
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(before.samples, 'reclaim_tokens_cleaned_total')).toBe(0);
    expect(value(before.samples, 'reclaim_storage_limit_bytes')).toBe(2 * 1_048_576);
    expect(before.types.get('reclaim_policy_deletions_total')).toBe('counter');
    expect(before.types.get('reclaim_run_duration_seconds')).toBe('histogram');

    await fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' });
    const after = await scrape(served);
    expect(value(after.samples, 'reclaim_tokens_cleaned_total')).toBe(3);
    expect(value(after.samples, 'reclaim_files_cleaned_total')).toBe(5);
    expect(value(after.samples, 'reclaim_bytes_freed_total')).toBe(3014);
    expect(value(after.samples, 'reclaim_runs_total')).toBe(1);
    expect(value(after.samples, 'reclaim_policy_deletions_total', { policy: 'expiry', reason: 'expired' })).toBe(3);
    expect(value(after.samples, 'reclaim_policy_deletions_total', { policy: 'orphan', reason: 'orphan' })).toBe(2);
    expect(value(after.samples, 'reclaim_policy_bytes_freed_total', { policy: 'orphan' })).toBe(14);
    expect(value(after.samples, 'reclaim_policy_skips_total', { policy: 'orphan', reason: 'grace' })).toBe(1);
    expect(value(after.samples, 'reclaim_storage_used_bytes')).toBe(505);
    expect(value(after.samples, 'reclaim_last_run_outcome', { outcome: 'success' })).toBe(1);
    expect(value(after.samples, 'reclaim_last_run_outcome', { outcome: 'error' })).toBe(0);
    expect(value(after.samples, 'reclaim_last_run_duration_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(after.samples, 'reclaim_last_cleanup_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(value(after.samples, 'reclaim_run_duration_seconds_count', { outcome: 'success', dry_run: 'false' })).toBe(1);
    expect(value(after.samples, 'reclaim_run_in_progress')).toBe(0);
  });

  it('counts failures by policy and reports a partial outcome', async () => {
    const store = seededStore({ expired: 2, valid: 0, orphans: 0 });
    store.refuse('record:old-1', 'EPERM');
    served = await serve(memoryService(store));
    await fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' });
    const { samples } = await scrape(served);
    expect(value(samples, 'reclaim_policy_failures_total', { policy: 'expiry', code: 'EPERM' })).toBe(1);
    expect(value(samples, 'reclaim_errors_total')).toBe(1);
    expect(value(samples, 'reclaim_last_run_outcome', { outcome: 'partial' })).toBe(1);
  });

  it('continues from the journal after a restart instead of starting at zero', async () => {
    const journal = new MemoryJournal();
    const first = memoryService(seededStore({ expired: 4, valid: 0, orphans: 0 }), { journal });
    await first.runCleanup();
    await first.close();
    // A new process over the same journal: the projection is replayed, the counters follow it.
    served = await serve(memoryService(seededStore({ expired: 0, valid: 0, orphans: 0 }), { journal }));
    await served.service.ready;
    const { samples } = await scrape(served);
    expect(value(samples, 'reclaim_tokens_cleaned_total')).toBe(4);
    expect(value(samples, 'reclaim_policy_deletions_total', { policy: 'expiry', reason: 'expired' })).toBe(4);
    expect(value(samples, 'reclaim_runs_total')).toBe(1);
  });

  it('keeps one registry per exporter, never the global one', async () => {
    const a = memoryService();
    const b = memoryService();
    const one = createPrometheusExporter(a.kernel);
    const two = createPrometheusExporter(b.kernel);
    try {
      await a.runCleanup();
      expect(one.registry).not.toBe(two.registry);
      expect(value(parseExposition(await one.metrics()).samples, 'reclaim_runs_total')).toBe(1);
      expect(value(parseExposition(await two.metrics()).samples, 'reclaim_runs_total')).toBe(0);
    } finally {
      one.close();
      two.close();
      await a.close();
      await b.close();
    }
  });

  it('can move or leave out the route', async () => {
    served = await serve(memoryService(), { prometheus: { path: '/metrics.prom' } });
    expect((await fetch(`${served.url}/api/cleanup/metrics.prom`)).status).toBe(200);
    expect((await fetch(`${served.url}/api/cleanup/prometheus`)).status).toBe(404);
    await served.close();
    served = await serve(memoryService(), { prometheus: false });
    expect((await fetch(`${served.url}/api/cleanup/prometheus`)).status).toBe(404);
  });
});
