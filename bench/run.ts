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
import { bundleProbes, CLI_V8_FLAGS, ensureDist } from './lib/build.js';
import {
  CUTOFF_HOURS,
  datasetPaths,
  expectation,
  generate,
  restoreFromCopy,
  stashOldFiles,
  type DatasetPaths,
  type DatasetSpec,
  type Expectation,
  type Layout,
} from './lib/dataset.js';
import { describeMachine, readLoad, type LoadReading } from './lib/machine.js';
import { parseOptions, repsFor, tokensFor, type BenchOptions } from './lib/options.js';
import { measure, run, type Measured } from './lib/proc.js';
import { renderReport, type BenchResults, type CleanupTool, type Sample, type ScanTool } from './lib/report.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(repo, 'bench', 'results');
const probesDir = join(resultsDir, '.probes');
// The probes, and the helper that stages data copies in child processes.
const PROBES = ['scan', 'find-remove', 'pipeline', 'emergency', 'token-file', 'stage-copy'] as const;
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
  // Every layout's set at once, each with a repetition's staged copies (one per tool) of its
  // older half: a 4 KiB block per file, the token file, the journal, and slack.
  const blocks = largest * (1 + options.tools.length / 2);
  const needed = options.layouts.length * (blocks * 4096 * 1.3 + tokensFor(options, largest) * 600 + largest * 700);
  const stats = statfsSync(options.dir);
  const available = stats.bavail * stats.bsize;
  if (available < needed * 1.5) {
    throw new Error(
      `${options.dir} has ${(available / 2 ** 30).toFixed(1)} GiB free; ${(largest / 1000).toFixed(0)}k files need about ` +
        `${((needed * 1.5) / 2 ** 30).toFixed(1)} GiB with margin. Pick another --dir or a smaller --files.`,
    );
  }
}

/** How many staged copies are written side by side, each by its own child process. */
const STAGING_PARALLEL = 4;

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
  /** True while its files past the cutoff are in the storage folder (restored, not yet cleaned up). */
  whole: boolean;
  /** Staged copies of its files past the cutoff, ready to be renamed into place. */
  readonly copies: string[];
  /** Copies staged so far (names them). */
  staged: number;
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
      pipelinePaired: [],
      emergency: [],
      tokenFile: [],
      cleanupReps: [],
      load: loads,
    };
  }

  /**
   * Every section, the ones that need no data on disk first. Then the scans, and every cleanup,
   * run right after a restore of their data set. Before, a set's first cleanup ran on the files
   * as generated, with other sections in between: always reclaim's (the first tool), it was
   * slower than reclaim's second in 10 of 12 bench runs, by 0.67 s on average (flat 100k: +0.2–
   * 0.6 s after 60 s idle, +1.0–1.8 s with sections in between, 3 of 3 pairs each).
   */
  async all(): Promise<void> {
    const { sections } = this.#options;
    let first = true;
    for (const files of this.#options.files) {
      if (sections.includes('pipeline')) await this.#pipeline(files);
      if (first) await this.#inMemory();
      first = false;
      const onDisk = sections.includes('scan') || sections.includes('cleanup');
      const sets = onDisk ? this.#options.layouts.map((layout) => this.#generate(files, layout)) : [];
      try {
        if (sections.includes('scan')) {
          await this.#stage(sets, 1);
          for (const set of sets) {
            this.#fresh(set);
            await this.#scan(set.spec, set.paths);
            // The scanned files past the cutoff go back out as the first cleanup's copy.
            if (sections.includes('cleanup')) this.#stash(set);
          }
        }
        if (sections.includes('cleanup')) await this.#cleanup(sets);
      } finally {
        // Side by side (each set is its own folder): 200k files took ~57 s one set after the other.
        if (!this.#options.keep) await Promise.all(sets.map((set) => run('rm', ['-rf', set.paths.dir])));
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

  /** Writes a data set without its files past the cutoff: a restore puts them in before each use. */
  #generate(files: number, layout: Layout): DataSet {
    const spec = this.#spec(files, layout);
    const expected = expectation(spec);
    const dir = join(this.#options.dir, `${layout}-${files}`);
    rmSync(dir, { recursive: true, force: true });
    log(`generating ${files} files (${layout}, ${spec.tokens} tokens) in ${dir}; the ${expected.oldFiles} past the cutoff come from staged copies`);
    const started = performance.now();
    const paths = generate(spec, dir, { withOld: false, progress: (done) => log(`  ${done} files done`) });
    syncFolder(paths.storage);
    const generateMs = performance.now() - started;
    this.results.datasets.push({ files, tokens: spec.tokens, layout, expected, generateMs });
    log(`generated in ${(generateMs / 1000).toFixed(1)} s`);
    return { spec, paths, expected, whole: false, copies: [], staged: 0 };
  }

  /**
   * Stages copies of each set's files past the cutoff until it has `perSet` ready, up to
   * {@link STAGING_PARALLEL} copies side by side, each in a fresh folder beside the set's
   * storage folder, then syncs them.
   */
  async #stage(sets: readonly DataSet[], perSet: number): Promise<void> {
    const jobs: { set: DataSet; dir: string }[] = [];
    for (let n = 0; n < perSet; n += 1) {
      for (const set of sets) if (set.copies.length + n < perSet) jobs.push({ set, dir: this.#copyDir(set) });
    }
    if (jobs.length === 0) return;
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next] as { set: DataSet; dir: string };
        next += 1;
        const { spec } = job.set;
        const args = [node('stage-copy'), String(spec.files), String(spec.tokens), String(spec.seed), spec.layout, String(spec.nowMs), job.dir];
        const out = probeOutput(await measure(process.execPath, args), 'staging a copy');
        if (out.written !== job.set.expected.oldFiles) throw new Error(`staging wrote ${String(out.written)} files; expected ${job.set.expected.oldFiles}`);
        job.set.copies.push(job.dir);
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAGING_PARALLEL, jobs.length) }, worker));
    for (const set of new Set(jobs.map((job) => job.set))) syncFolder(set.paths.dir);
    log(`  staged ${jobs.length} cop${jobs.length === 1 ? 'y' : 'ies'} of the files past the cutoff in ${((performance.now() - started) / 1000).toFixed(1)} s`);
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
      // A copy per cleanup, staged with the repetition it serves (so the budget counts it).
      await this.#stage(sets, tools.length);
      for (const set of sets) {
        for (let k = 0; k < tools.length; k += 1) {
          const tool = tools[(r + k) % tools.length] as CleanupTool;
          this.#fresh(set);
          const kernelMs = tool === 'reclaim' && this.#options.sections.includes('pipeline') ? await this.#kernelAlone(set.spec.files) : null;
          const sample = await this.#cleanupOnce(tool, set.paths, set.expected);
          set.whole = false;
          const left = countFiles(set.paths.storage);
          if (left !== set.spec.files - set.expected.oldFiles) {
            throw new Error(`${tool} left ${left} files; exactly ${set.spec.files - set.expected.oldFiles} (those younger than ${CUTOFF_HOURS} h) should remain`);
          }
          const key = `${set.spec.layout}\u0000${tool}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          log(`cleanup ${set.spec.layout} ${files} ${tool}: ${(sample.timeMs / 1000).toFixed(2)} s, CPU ${(sample.cpuMs / 1000).toFixed(2)} s, ${(sample.maxRssKiB / 1024).toFixed(0)} MiB`);
          if (kernelMs !== null) {
            this.results.pipelinePaired.push({ files, layout: set.spec.layout, kernelMs, runMs: sample.timeMs });
            log(`  the kernel alone, just before: ${(kernelMs / 1000).toFixed(2)} s, ${((kernelMs / sample.timeMs) * 100).toFixed(1)}% of this run`);
          }
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

  /** A fresh folder name for a copy of the set's files past the cutoff. */
  #copyDir(set: DataSet): string {
    set.staged += 1;
    return join(set.paths.dir, `staged-${set.staged}`);
  }

  /**
   * Moves a whole set's files past the cutoff back out of its storage folder into a copy of
   * their own (renames, ~1.5 s): after the scans, so that the first cleanup too runs right
   * after a restore, and the set is left with only its younger half to remove at the end.
   */
  #stash(set: DataSet): void {
    const dir = this.#copyDir(set);
    stashOldFiles(set.spec, set.paths, dir);
    set.copies.push(dir);
    set.whole = false;
  }

  /**
   * Puts a data set back as generated, from a copy its caller staged, and checks that the
   * folder is whole again. Callers have checked that the files past the cutoff are gone (after
   * each cleanup, every tool must leave exactly the younger ones).
   */
  #fresh(set: DataSet): void {
    if (set.whole) return;
    const copy = set.copies.shift();
    if (copy === undefined) throw new Error(`no staged copy left for ${set.paths.dir}`);
    const t = performance.now();
    restoreFromCopy(set.spec, set.paths, copy);
    syncFolder(set.paths.storage);
    const count = countFiles(set.paths.storage);
    if (count !== set.spec.files) throw new Error(`the restore left ${count} files in ${set.paths.storage}; the data set has ${set.spec.files}`);
    set.whole = true;
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

  /**
   * Times the kernel alone (discarding journal) for the share of the `reclaim run` that follows:
   * after the restore has synced, not after a cleanup, whose journal commits and discards go on
   * for a while after it exits (the kernel alone once took 0.82 s right after one, 0.45–0.67 s
   * in the same run's other pairs). Nothing observes the kernel's storage stream, as in
   * `reclaim run`.
   */
  async #kernelAlone(files: number): Promise<number> {
    return probeOutput(await measure(process.execPath, this.#pipelineArgs(files, 'discard', 'unobserved')), 'pipeline').runMs as number;
  }

  /**
   * The pipeline probe's command line: the flat set's spec, the journal (`discard` or
   * `file:PATH`), and whether a subscriber counts the storage stream (`count`) or nothing
   * observes it (`unobserved`).
   */
  #pipelineArgs(files: number, journal: string, storageStream: 'count' | 'unobserved'): string[] {
    const spec = this.#spec(files, 'flat');
    return [...CLI_V8_FLAGS, node('pipeline'), String(spec.files), String(spec.tokens), String(spec.seed), String(spec.nowMs), journal, storageStream];
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
        const m = await measure(process.execPath, this.#pipelineArgs(files, journal === 'discard' ? 'discard' : `file:${journalPath}`, 'count'));
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
