/** The benchmark's figures and the table printed from them. */
import type { Expectation, Layout } from './dataset.js';
import type { LoadReading } from './machine.js';
import type { BenchOptions } from './options.js';
import { count, markdownTable, median, mib, millis, ratio, seconds } from './stats.js';

export type ScanTool = 'reclaim' | 'find';
/** `reclaim`, `find`, `find-remove`, or `reclaim@<dist folder>` (another build, for comparisons). */
export type CleanupTool = string;

/** One measured repetition. */
export interface Sample {
  /** The time compared: the scan alone for reclaim's scan probe, the process wall time otherwise. */
  readonly timeMs: number;
  /** Spawn to exit. */
  readonly wallMs: number;
  readonly maxRssKiB: number;
  /** CPU time (user + system) of the process, in ms. */
  readonly cpuMs: number;
}

export interface BenchResults {
  readonly startedAt: string;
  finishedAt: string;
  readonly machine: { cpus: number; model: string; node: string };
  readonly options: BenchOptions;
  readonly datasets: { files: number; tokens: number; layout: Layout; expected: Expectation; generateMs: number }[];
  readonly scan: { files: number; layout: Layout; tool: ScanTool; samples: Sample[] }[];
  readonly cleanup: { files: number; tokens: number; layout: Layout; deleted: number; tool: CleanupTool; samples: Sample[] }[];
  readonly pipeline: { files: number; tokens: number; journal: 'discard' | 'file'; storageEvents: number; eventsPerSec: number[]; samples: Sample[] }[];
  /**
   * The kernel alone (discarding journal), timed just before each `reclaim run` cleanup, so the
   * share compares two figures from the same minute of this noisy machine.
   */
  readonly pipelinePaired: { files: number; layout: Layout; kernelMs: number; runMs: number }[];
  readonly emergency: { tokens: number; evicted: number; planMs: number; selectMs: number; maxRssKiB: number }[];
  readonly tokenFile: {
    tokens: number;
    bytes: number;
    readMs: number;
    saveMs: number;
    parseMs: number;
    serializeMs: number;
    atomicWriteMs: number;
    maxRssKiB: number;
  }[];
  /** Cleanup repetitions planned and done per size (the time budget may stop them early). */
  readonly cleanupReps: { files: number; planned: number; done: number }[];
  readonly load: LoadReading[];
}

const time = (samples: readonly Sample[]): number => median(samples.map((s) => s.timeMs));
const rss = (samples: readonly Sample[]): number => median(samples.map((s) => s.maxRssKiB));
const cpu = (samples: readonly Sample[]): number => median(samples.map((s) => s.cpuMs));

function find<T extends { files: number; layout?: Layout }>(rows: readonly T[], files: number, layout: Layout | undefined, pick: (row: T) => boolean): T | undefined {
  return rows.find((row) => row.files === files && (layout === undefined || row.layout === layout) && pick(row));
}

/** One line of the targets list. */
interface Verdict {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean;
}

function sizes(results: BenchResults): number[] {
  return [...new Set([...results.scan, ...results.cleanup, ...results.pipeline].map((r) => r.files))].sort((a, b) => a - b);
}

function layouts(results: BenchResults): Layout[] {
  return [...new Set([...results.scan, ...results.cleanup].map((r) => r.layout))];
}

function scanTable(results: BenchResults, verdicts: Verdict[]): string | null {
  if (results.scan.length === 0) return null;
  const rows: string[][] = [];
  for (const files of sizes(results)) {
    for (const layout of layouts(results)) {
      const f = find(results.scan, files, layout, (r) => r.tool === 'find');
      const r = find(results.scan, files, layout, (r) => r.tool === 'reclaim');
      if (f === undefined || r === undefined) continue;
      const value = time(r.samples) / time(f.samples);
      verdicts.push({ target: `scan ${layout} ${count(files)}: reclaim ≤ 1.25× find -printf`, figure: `${value.toFixed(2)}×`, met: value <= 1.25 });
      rows.push([
        `${count(files)} ${layout}`,
        seconds(time(f.samples)),
        seconds(time(r.samples)),
        `**${ratio(time(r.samples), time(f.samples))}**`,
        seconds(median(r.samples.map((s) => s.wallMs))),
        `${mib(rss(f.samples))} / ${mib(rss(r.samples))}`,
      ]);
    }
  }
  return `### Scan only (list + size + mtime), median of ${results.scan[0]?.samples.length ?? 0}\n\n${markdownTable(
    ['files', '`find -printf`', 'reclaim scan', 'reclaim/find', 'reclaim process (with Node start-up)', 'peak RSS find / reclaim'],
    rows,
  )}`;
}

function cleanupTable(results: BenchResults, verdicts: Verdict[]): string | null {
  if (results.cleanup.length === 0) return null;
  const rows: string[][] = [];
  for (const files of sizes(results)) {
    for (const layout of layouts(results)) {
      const f = find(results.cleanup, files, layout, (r) => r.tool === 'find');
      const fr = find(results.cleanup, files, layout, (r) => r.tool === 'find-remove');
      const r = find(results.cleanup, files, layout, (r) => r.tool === 'reclaim');
      if (r === undefined) continue;
      const t = (row: typeof r | undefined): number => (row === undefined ? Number.NaN : time(row.samples));
      const m = (row: typeof r | undefined): number => (row === undefined ? Number.NaN : rss(row.samples));
      const c = (row: typeof r | undefined): number => (row === undefined ? Number.NaN : cpu(row.samples));
      if (f !== undefined) {
        const vsFind = t(r) / t(f);
        verdicts.push({ target: `cleanup ${layout} ${count(files)}: reclaim ≤ 1.0× find -delete`, figure: `${vsFind.toFixed(2)}×`, met: vsFind <= 1.0 });
      }
      if (fr !== undefined) {
        const faster = t(fr) / t(r);
        verdicts.push({ target: `cleanup ${layout} ${count(files)}: reclaim ≥ 1.5× faster than find-remove`, figure: `${faster.toFixed(2)}× faster`, met: faster >= 1.5 });
      }
      rows.push([
        `${count(files)} ${layout}`,
        `${count(r.deleted)} files, ${count(r.tokens)} tokens`,
        seconds(t(f)),
        seconds(t(fr)),
        seconds(t(r)),
        `**${ratio(t(r), t(f))}**`,
        `**${ratio(t(r), t(fr))}**`,
        `${mib(m(f))} / ${mib(m(fr))} / ${mib(m(r))}`,
        `${seconds(c(f))} / ${seconds(c(fr))} / ${seconds(c(r))}`,
      ]);
    }
  }
  const extra = results.cleanup.filter((r) => r.tool.startsWith('reclaim@'));
  const extraTable =
    extra.length === 0
      ? ''
      : `\n\nOther builds:\n\n${markdownTable(
          ['files', 'build', 'wall', 'vs find', 'CPU time'],
          extra.map((r) => {
            const f = find(results.cleanup, r.files, r.layout, (x) => x.tool === 'find');
            return [
              `${count(r.files)} ${r.layout}`,
              r.tool.slice('reclaim@'.length),
              seconds(time(r.samples)),
              f === undefined ? '–' : ratio(time(r.samples), time(f.samples)),
              seconds(cpu(r.samples)),
            ];
          }),
        )}`;
  const short = results.cleanupReps.filter((r) => r.done < r.planned);
  const note = short.length === 0 ? '' : ` (the time budget stopped ${short.map((r) => `${count(r.files)} at ${r.done} of ${r.planned}`).join(', ')} repetitions)`;
  return `### Full cleanup (expiry + orphan: every file older than 36 h), median of ${results.cleanup[0]?.samples.length ?? 0}${note}\n\n${markdownTable(
    ['files', 'deleted / tokens', '`find -delete`', 'find-remove', '`reclaim run`', 'reclaim/find', 'reclaim/find-remove', 'peak RSS find / find-remove / reclaim', 'CPU time find / find-remove / reclaim'],
    rows,
  )}${extraTable}`;
}

function pipelineTable(results: BenchResults, verdicts: Verdict[]): string | null {
  if (results.pipeline.length === 0) return null;
  const rows: string[][] = [];
  for (const files of sizes(results)) {
    const discard = find(results.pipeline, files, undefined, (r) => r.journal === 'discard');
    const file = find(results.pipeline, files, undefined, (r) => r.journal === 'file');
    if (discard === undefined) continue;
    const shares: string[] = [];
    for (const layout of layouts(results)) {
      const pairs = results.pipelinePaired.filter((p) => p.files === files && p.layout === layout);
      if (pairs.length === 0) continue;
      const share = median(pairs.map((p) => p.kernelMs / p.runMs));
      verdicts.push({ target: `pipeline ${count(files)}: kernel ≤ 10% of the full ${layout} run`, figure: `${(share * 100).toFixed(1)}%`, met: share <= 0.1 });
      shares.push(`${(share * 100).toFixed(1)}% ${layout}`);
    }
    rows.push([
      count(files),
      count(discard.storageEvents),
      `${seconds(time(discard.samples))} (${Math.round(median(discard.eventsPerSec)).toLocaleString('en-US')}/s)`,
      file === undefined ? '–' : `${seconds(time(file.samples))} (${Math.round(median(file.eventsPerSec)).toLocaleString('en-US')}/s)`,
      shares.join(', ') || '–',
    ]);
  }
  return `### Pipeline overhead (no-op store: the kernel alone)\n\n${markdownTable(
    [
      'files',
      'storage events',
      'kernel, discarding journal (events counted)',
      'kernel + file journal (events counted)',
      'kernel share of `reclaim run` (median of the shares, each timed just before a run, nothing subscribed to the storage stream)',
    ],
    rows,
  )}`;
}

function rssTable(results: BenchResults, verdicts: Verdict[]): string | null {
  const all = sizes(results);
  if (all.length < 2) return null;
  const small = all[0] as number;
  const large = all[all.length - 1] as number;
  const rows: string[][] = [];
  const add = (what: string, a: number | undefined, b: number | undefined, target: boolean): void => {
    if (a === undefined || b === undefined) return;
    const value = b / a;
    if (target) verdicts.push({ target: `peak RSS ${what}: ${count(large)} ≤ 1.5× ${count(small)}`, figure: `${value.toFixed(2)}×`, met: value <= 1.5 });
    rows.push([what, mib(a), mib(b), `**${value.toFixed(2)}×**`]);
  };
  for (const layout of layouts(results)) {
    for (const tool of ['reclaim', 'find'] as const) {
      const a = find(results.scan, small, layout, (r) => r.tool === tool);
      const b = find(results.scan, large, layout, (r) => r.tool === tool);
      add(`scan ${layout}, ${tool}`, a && rss(a.samples), b && rss(b.samples), tool === 'reclaim');
    }
    for (const tool of ['reclaim', 'find', 'find-remove'] as const) {
      const a = find(results.cleanup, small, layout, (r) => r.tool === tool);
      const b = find(results.cleanup, large, layout, (r) => r.tool === tool);
      add(`cleanup ${layout}, ${tool}`, a && rss(a.samples), b && rss(b.samples), tool === 'reclaim');
    }
  }
  const tokens = [...new Set(results.cleanup.map((r) => `${count(r.files)} files: ${count(r.tokens)} tokens`))].join('; ');
  return `### Peak RSS as the folder grows (${tokens})\n\n${markdownTable(['process', count(small), count(large), 'ratio'], rows)}`;
}

function emergencyTable(results: BenchResults): string | null {
  if (results.emergency.length === 0) return null;
  return `### Emergency selection (pure planner, usage at 110% of the limit, down to 80%)\n\n${markdownTable(
    ['tokens', 'evicted', '`planEmergency`', '`selectEvictions`', 'probe peak RSS'],
    results.emergency.map((e) => [count(e.tokens), count(e.evicted), millis(e.planMs), millis(e.selectMs), mib(e.maxRssKiB)]),
  )}`;
}

function tokenTable(results: BenchResults): string | null {
  if (results.tokenFile.length === 0) return null;
  return `### Token file\n\n${markdownTable(
    ['tokens', 'size', 'load (`TokenFile.read`)', 'atomic save (one locked commit)', 'JSON.parse', 'serialise', 'temp + fsync + rename'],
    results.tokenFile.map((t) => [
      count(t.tokens),
      `${(t.bytes / 2 ** 20).toFixed(1)} MiB`,
      millis(t.readMs),
      millis(t.saveMs),
      millis(t.parseMs),
      millis(t.serializeMs),
      millis(t.atomicWriteMs),
    ]),
  )}`;
}

function loadLine(results: BenchResults): string {
  const loads = results.load.map((l) => l.load1);
  const cpu = results.load.map((l) => l.cpuPressure60).filter((v): v is number => v !== null);
  const io = results.load.map((l) => l.ioPressure60).filter((v): v is number => v !== null);
  const range = (v: number[]): string => (v.length === 0 ? '–' : `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)} (median ${median(v).toFixed(1)})`);
  return `Machine: ${results.machine.cpus}× ${results.machine.model}, Node ${results.machine.node}. Load during the run: 1-min load average ${range(loads)}; CPU pressure (some, avg60) ${range(cpu)}%; I/O pressure ${range(io)}%.`;
}

/** The whole report: tables, then the targets with their verdicts. */
export function renderReport(results: BenchResults): string {
  const verdicts: Verdict[] = [];
  const sections = [
    scanTable(results, verdicts),
    cleanupTable(results, verdicts),
    pipelineTable(results, verdicts),
    rssTable(results, verdicts),
    emergencyTable(results),
    tokenTable(results),
  ].filter((s): s is string => s !== null);
  const targets = verdicts.length === 0 ? '' : `\n\n### Targets\n\n${markdownTable(['target', 'measured', ''], verdicts.map((v) => [v.target, v.figure, v.met ? 'met' : '**not met**']))}`;
  return `${sections.join('\n\n')}${targets}\n\n${loadLine(results)}`;
}
