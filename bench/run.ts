/**
 * reclaim's benchmark (`npm run bench`): seeded data sets, then, on identical copies in one
 * run, reclaim side by side with GNU find and the find-remove package, plus the kernel's own
 * cost, the emergency planner and the token file. Prints a table of medians with the ratios
 * and writes every figure to bench/results/. See `npm run bench -- --help`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleProbes, ensureDist } from './lib/build.js';
import {
  CUTOFF_HOURS,
  datasetPaths,
  expectation,
  generate,
  restore,
  type DatasetPaths,
  type DatasetSpec,
  type Expectation,
  type Layout,
} from './lib/dataset.js';
import { describeMachine, readLoad, type LoadReading } from './lib/machine.js';
import { parseOptions, repsFor, tokensFor, type BenchOptions } from './lib/options.js';
import { measure, type Measured } from './lib/proc.js';
import { renderReport, type BenchResults, type CleanupTool, type Sample, type ScanTool } from './lib/report.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(repo, 'bench', 'results');
const probesDir = join(resultsDir, '.probes');
const PROBES = ['scan', 'find-remove', 'pipeline', 'emergency', 'token-file'] as const;
const CUTOFF_SECONDS = CUTOFF_HOURS * 3600;

const loads: LoadReading[] = [];
function log(message: string): void {
  const load = readLoad();
  loads.push(load);
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${load.load1.toFixed(1)}] ${message}\n`);
}

/** Parses the one JSON line a probe prints. */
function probeOutput(measured: Measured, what: string): Record<string, number> {
  if (measured.code !== 0) throw new Error(`${what} failed (exit ${String(measured.code)}):\n${measured.stderr}`);
  const line = measured.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, number>;
}

function node(probe: string): string {
  return join(probesDir, `${probe}.mjs`);
}

/** Counts regular files under a folder (after a cleanup, to check what each tool deleted). */
function countFiles(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) n += countFiles(join(dir, entry.name));
    else if (entry.isFile()) n += 1;
  }
  return n;
}

function checkDisk(options: BenchOptions): void {
  mkdirSync(options.dir, { recursive: true });
  const largest = options.files[options.files.length - 1] as number;
  // One data set at a time: a 4 KiB block per file, the token file, the journal, and slack.
  const needed = largest * 4096 * 1.3 + tokensFor(options, largest) * 600 + largest * 700;
  const stats = statfsSync(options.dir);
  const available = stats.bavail * stats.bsize;
  if (available < needed * 2) {
    throw new Error(
      `${options.dir} has ${(available / 2 ** 30).toFixed(1)} GiB free; ${(largest / 1000).toFixed(0)}k files need about ` +
        `${((needed * 2) / 2 ** 30).toFixed(1)} GiB with margin. Pick another --dir or a smaller --files.`,
    );
  }
}

function syncFolder(path: string): void {
  // Written blocks must be on disk before a timed run, as real recovery files are: unlinking a
  // file whose data is still only in the page cache frees no block and costs no discard.
  execFileSync('sync', ['-f', path]);
}

/** A data set on disk and what it is expected to become. */
interface DataSet {
  readonly spec: DatasetSpec;
  readonly paths: DatasetPaths;
  readonly expected: Expectation;
  /** True after a cleanup ran on it and before it was restored. */
  dirty: boolean;
}

class Bench {
  readonly results: BenchResults;
  readonly #options: BenchOptions;
  readonly #started = performance.now();
  readonly #budgetMs: number;

  constructor(options: BenchOptions) {
    this.#options = options;
    this.#budgetMs = options.budgetMinutes === 0 ? Number.POSITIVE_INFINITY : options.budgetMinutes * 60_000;
    this.results = {
      startedAt: new Date().toISOString(),
      finishedAt: '',
      machine: describeMachine(),
      options: { ...options },
      datasets: [],
      scan: [],
      cleanup: [],
      pipeline: [],
      emergency: [],
      tokenFile: [],
      cleanupReps: [],
      load: loads,
    };
  }

  /**
   * Every section, the ones that need no data on disk first. A cleanup runs slower on files
   * written a minute before than on files just restored (flat 100k, reclaim: +0.2–0.6 s after
   * 60 s idle, 3 of 3 pairs), and each cleanup after the first runs right after a restore. So
   * the data sets are written after the in-memory sections, the one cleaned up first written
   * last, and only the scans run between. Before, that first cleanup (always reclaim's, the
   * first tool) ran on files ~1.5 minutes old and was slower than reclaim's second in 10 of 12
   * bench runs, by 0.67 s on average.
   */
  async all(): Promise<void> {
    const { sections } = this.#options;
    let first = true;
    for (const files of this.#options.files) {
      if (sections.includes('pipeline')) await this.#pipeline(files);
      if (first) await this.#inMemory();
      first = false;
      const onDisk = sections.includes('scan') || sections.includes('cleanup');
      const sets = onDisk ? this.#generateAll(files) : [];
      try {
        if (sections.includes('scan')) for (const set of sets) await this.#scan(set.spec, set.paths);
        if (sections.includes('cleanup')) await this.#cleanup(sets);
      } finally {
        if (!this.#options.keep) for (const set of sets) rmSync(set.paths.dir, { recursive: true, force: true });
      }
    }
  }

  /** The sections that need no data on disk: the emergency planner and the token file. */
  async #inMemory(): Promise<void> {
    const { sections, seed } = this.#options;
    if (sections.includes('emergency')) {
      for (const tokens of [100_000, 1_000_000]) {
        log(`emergency planner on ${tokens} tokens`);
        const out = probeOutput(await measure(process.execPath, [node('emergency'), String(tokens), String(seed), '3']), 'emergency');
        this.results.emergency.push({ tokens, evicted: out.evicted as number, planMs: out.planMs as number, selectMs: out.selectMs as number, maxRssKiB: out.maxRssKiB as number });
      }
    }
    if (sections.includes('tokens')) await this.#tokenFile(100_000);
  }

  #spec(files: number, layout: Layout): DatasetSpec {
    return { files, tokens: tokensFor(this.#options, files), seed: this.#options.seed, layout, nowMs: Date.now() };
  }

  /** The data sets in layout order, written in reverse: the first to be cleaned up is the freshest. */
  #generateAll(files: number): DataSet[] {
    return [...this.#options.layouts]
      .reverse()
      .map((layout) => this.#generate(files, layout))
      .reverse();
  }

  #generate(files: number, layout: Layout): DataSet {
    const spec = this.#spec(files, layout);
    const expected = expectation(spec);
    const dir = join(this.#options.dir, `${layout}-${files}`);
    rmSync(dir, { recursive: true, force: true });
    log(`generating ${files} files (${layout}, ${spec.tokens} tokens) in ${dir}`);
    const started = performance.now();
    const paths = generate(spec, dir, (done) => log(`  ${done} files written`));
    syncFolder(paths.storage);
    const generateMs = performance.now() - started;
    this.results.datasets.push({ files, tokens: spec.tokens, layout, expected, generateMs });
    log(`generated in ${(generateMs / 1000).toFixed(1)} s; ${expected.oldFiles} files are past the cutoff`);
    return { spec, paths, expected, dirty: false };
  }

  async #scan(spec: DatasetSpec, paths: DatasetPaths): Promise<void> {
    const reps = repsFor(this.#options, spec.files);
    const tools: ScanTool[] = ['reclaim', 'find'];
    const samples = new Map<ScanTool, Sample[]>(tools.map((t) => [t, []]));
    for (let r = 0; r < reps; r += 1) {
      for (let k = 0; k < tools.length; k += 1) {
        const tool = tools[(r + k) % tools.length] as ScanTool;
        const sample = await this.#scanOnce(tool, paths, spec.files);
        samples.get(tool)?.push(sample);
        log(`scan ${spec.layout} ${spec.files} ${tool}: ${(sample.timeMs / 1000).toFixed(2)} s, ${(sample.maxRssKiB / 1024).toFixed(0)} MiB`);
      }
    }
    for (const tool of tools) this.results.scan.push({ files: spec.files, layout: spec.layout, tool, samples: samples.get(tool) ?? [] });
  }

  async #scanOnce(tool: ScanTool, paths: DatasetPaths, files: number): Promise<Sample> {
    if (tool === 'find') {
      const m = await measure('find', [paths.storage, '-type', 'f', '-printf', '%s %T@\n'], { discardStdout: true });
      if (m.code !== 0) throw new Error(`find failed: ${m.stderr}`);
      return { timeMs: m.wallMs, wallMs: m.wallMs, maxRssKiB: m.maxRssKiB, cpuMs: m.cpuMs };
    }
    const m = await measure(process.execPath, [node('scan'), paths.storage, paths.tokenFile]);
    const out = probeOutput(m, 'reclaim scan');
    if (out.files !== files) throw new Error(`reclaim's scan saw ${String(out.files)} files, expected ${files}`);
    // The scan itself (timed inside the probe); the process wall time adds Node's start-up.
    return { timeMs: out.scanMs as number, wallMs: m.wallMs, maxRssKiB: m.maxRssKiB, cpuMs: m.cpuMs };
  }

  /**
   * Full cleanups, repetition after repetition over every layout and tool (in a rotating
   * order, so no tool always runs first after a restore), until the repetitions are done or
   * the time budget would not hold another one.
   */
  async #cleanup(sets: DataSet[]): Promise<void> {
    if (sets.length === 0) return;
    const files = (sets[0] as DataSet).spec.files;
    const reps = repsFor(this.#options, files);
    const tools: CleanupTool[] = [...this.#options.tools];
    const samples = new Map<string, Sample[]>();
    let lastRepMs = 0;
    let done = 0;
    for (let r = 0; r < reps; r += 1) {
      const elapsed = performance.now() - this.#started;
      if (r > 0 && elapsed + lastRepMs > this.#budgetMs) {
        log(`cleanup: stopping after ${r} repetition(s) to stay within the ${(this.#budgetMs / 60_000).toFixed(1)}-minute budget (--budget)`);
        break;
      }
      const repStarted = performance.now();
      for (const set of sets) {
        for (let k = 0; k < tools.length; k += 1) {
          const tool = tools[(r + k) % tools.length] as CleanupTool;
          await this.#fresh(set);
          const sample = await this.#cleanupOnce(tool, set.paths, set.expected);
          set.dirty = true;
          const left = countFiles(set.paths.storage);
          if (left !== set.spec.files - set.expected.oldFiles) {
            throw new Error(`${tool} left ${left} files; exactly ${set.spec.files - set.expected.oldFiles} (those younger than ${CUTOFF_HOURS} h) should remain`);
          }
          const key = `${set.spec.layout}\u0000${tool}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          log(`cleanup ${set.spec.layout} ${files} ${tool}: ${(sample.timeMs / 1000).toFixed(2)} s, CPU ${(sample.cpuMs / 1000).toFixed(2)} s, ${(sample.maxRssKiB / 1024).toFixed(0)} MiB`);
        }
      }
      lastRepMs = performance.now() - repStarted;
      done = r + 1;
    }
    for (const set of sets) {
      for (const tool of tools) {
        this.results.cleanup.push({
          files,
          tokens: set.spec.tokens,
          layout: set.spec.layout,
          deleted: set.expected.oldFiles,
          tool,
          samples: samples.get(`${set.spec.layout}\u0000${tool}`) ?? [],
        });
      }
    }
    this.results.cleanupReps.push({ files, planned: reps, done });
  }

  /** Puts a data set back as generated (after a cleanup deleted its old files). */
  async #fresh(set: DataSet): Promise<void> {
    if (!set.dirty) return;
    const t = performance.now();
    restore(set.spec, set.paths);
    syncFolder(set.paths.storage);
    set.dirty = false;
    log(`  restored ${set.expected.oldFiles} files in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  async #cleanupOnce(tool: CleanupTool, paths: DatasetPaths, expected: Expectation): Promise<Sample> {
    let m: Measured;
    switch (tool) {
      case 'find':
        m = await measure('find', [paths.storage, '-type', 'f', '-mmin', `+${CUTOFF_HOURS * 60}`, '-delete']);
        if (m.code !== 0) throw new Error(`find -delete failed: ${m.stderr}`);
        break;
      case 'find-remove':
        m = await measure(process.execPath, [node('find-remove'), paths.storage, String(CUTOFF_SECONDS)]);
        probeOutput(m, 'find-remove');
        break;
      default: {
        // The real command line, built, with the cutoff as retention and orphan grace, and a
        // storage limit the data never reaches (emergency is measured on its own).
        const dist = tool === 'reclaim' ? join(repo, 'dist') : resolve(tool.slice('reclaim@'.length));
        m = await measure(process.execPath, [
          // The package's `reclaim` executable (its launcher sizes the thread pool, see src/cli/reclaim.cts).
          join(dist, 'cli', 'reclaim.cjs'),
          'run',
          '--storage-path',
          paths.storage,
          '--token-file',
          paths.tokenFile,
          '--retention-hours',
          String(CUTOFF_HOURS),
          '--orphan-grace-minutes',
          String(CUTOFF_HOURS * 60),
          '--max-storage-mb',
          '100000000',
          '--json',
        ]);
        if (m.code !== 0) throw new Error(`reclaim run exited ${String(m.code)}:\n${m.stderr}\n${m.stdout.slice(0, 2000)}`);
        const result = JSON.parse(m.stdout) as { tokensCleaned: number; filesCleaned: number; outcome: string };
        if (result.filesCleaned !== expected.oldFiles || result.tokensCleaned !== expected.expiredTokens) {
          throw new Error(
            `reclaim run cleaned ${result.tokensCleaned} tokens and ${result.filesCleaned} files; expected ${expected.expiredTokens} and ${expected.oldFiles}`,
          );
        }
        break;
      }
    }
    return { timeMs: m.wallMs, wallMs: m.wallMs, maxRssKiB: m.maxRssKiB, cpuMs: m.cpuMs };
  }

  async #pipeline(files: number): Promise<void> {
    const spec = this.#spec(files, 'flat');
    const reps = repsFor(this.#options, files);
    mkdirSync(this.#options.dir, { recursive: true });
    for (const journal of ['discard', 'file'] as const) {
      const samples: Sample[] = [];
      let eventsPerSec: number[] = [];
      let storageEvents = 0;
      for (let r = 0; r < reps; r += 1) {
        const journalPath = join(this.#options.dir, 'pipeline-journal.jsonl');
        rmSync(journalPath, { force: true });
        rmSync(`${journalPath}.lock`, { recursive: true, force: true });
        const m = await measure(process.execPath, [
          node('pipeline'),
          String(spec.files),
          String(spec.tokens),
          String(spec.seed),
          String(spec.nowMs),
          journal === 'discard' ? 'discard' : `file:${journalPath}`,
        ]);
        const out = probeOutput(m, 'pipeline');
        rmSync(journalPath, { force: true });
        storageEvents = out.storageEvents as number;
        eventsPerSec = [...eventsPerSec, out.eventsPerSec as number];
        samples.push({ timeMs: out.runMs as number, wallMs: m.wallMs, maxRssKiB: m.maxRssKiB, cpuMs: m.cpuMs });
        log(`pipeline ${files} (${journal} journal): ${((out.runMs as number) / 1000).toFixed(2)} s, ${Math.round(out.eventsPerSec as number)} storage events/s`);
      }
      this.results.pipeline.push({ files, tokens: spec.tokens, journal, storageEvents, eventsPerSec, samples });
    }
  }

  async #tokenFile(tokens: number): Promise<void> {
    const dir = join(this.#options.dir, 'token-file');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    log(`token file with ${tokens} tokens`);
    try {
      const out = probeOutput(await measure(process.execPath, [node('token-file'), dir, String(tokens), String(this.#options.seed), '5']), 'token file');
      this.results.tokenFile.push({
        tokens,
        bytes: out.bytes as number,
        readMs: out.readMs as number,
        saveMs: out.saveMs as number,
        parseMs: out.parseMs as number,
        serializeMs: out.serializeMs as number,
        atomicWriteMs: out.atomicWriteMs as number,
        maxRssKiB: out.maxRssKiB as number,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  checkDisk(options);
  if (await ensureDist(repo)) log('built dist/ (it was older than src/)');
  await bundleProbes(repo, probesDir, PROBES);
  const bench = new Bench(options);
  await bench.all();
  bench.results.finishedAt = new Date().toISOString();
  log('done');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = bench.results.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(bench.results, null, 2)}\n`;
  writeFileSync(join(resultsDir, `bench-${stamp}.json`), json);
  writeFileSync(join(resultsDir, 'latest.json'), json);
  process.stdout.write(`${renderReport(bench.results)}\n\nFigures: bench/results/bench-${stamp}.json\n`);
}

await main();
