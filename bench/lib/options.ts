/** The benchmark's command line: `npm run bench -- [options]`. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Layout } from './dataset.js';

/** The sections the benchmark can run. */
export const SECTIONS = ['scan', 'cleanup', 'pipeline', 'emergency', 'tokens'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  /** Data set sizes (files), smallest first. */
  readonly files: readonly number[];
  /** Tokens per data set: a count, or null for 70% of the files. */
  readonly tokens: number | null;
  /** Repetitions per size; null: 3 below 500k files, 1 from there. */
  readonly reps: number | null;
  readonly layouts: readonly Layout[];
  readonly sections: readonly Section[];
  readonly dir: string;
  readonly seed: number;
  readonly keep: boolean;
  /** Cleanup contenders: reclaim, find, find-remove, and reclaim@<dist folder> for another build. */
  readonly tools: readonly string[];
  /**
   * Minutes the whole run may take: cleanup repetitions stop early rather than run past it.
   * 0: no limit. Default 9.5 when every size is at most 100k files, else no limit.
   */
  readonly budgetMinutes: number;
}

export const USAGE = `npm run bench -- [options]
  --files <n[,n…]>     files per data set (default 100000; 100k and 1M are accepted)
  --tokens <n>         tokens per data set (default 70% of the files)
  --reps <n>           repetitions, medians reported (default 3; 1 from 500k files)
  --quick              one repetition of everything
  --layouts <list>     flat,sharded (default both)
  --only <list>        ${SECTIONS.join(',')} (default all)
  --dir <path>         where data sets are written (default $TMPDIR/reclaim-bench)
  --seed <n>           data set seed (default 42)
  --tools <list>       cleanup contenders (default reclaim,find,find-remove); reclaim@<dist>
                       adds another build of reclaim (e.g. a checkout's dist/) for comparison
  --budget <minutes>   stop cleanup repetitions early to finish within this (default 9.5
                       up to 100k files, else none; 0 for none)
  --keep               keep the data sets afterwards`;

function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (m === null) throw new Error(`not a count: ${text}`);
  const scale = m[2] === '' ? 1 : m[2]?.toLowerCase() === 'k' ? 1000 : 1_000_000;
  return Math.round(Number(m[1]) * scale);
}

/** Parses argv (after `--`). Throws with the usage on a bad option. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let files = [100_000];
  let tokens: number | null = null;
  let reps: number | null = null;
  let layouts: Layout[] = ['flat', 'sharded'];
  let sections: Section[] = [...SECTIONS];
  let dir = join(tmpdir(), 'reclaim-bench');
  let seed = 42;
  let keep = false;
  let tools = ['reclaim', 'find', 'find-remove'];
  let budget: number | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const value = (): string => {
      const v = argv[(i += 1)];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--files':
        files = value().split(',').map(parseCount).sort((a, b) => a - b);
        break;
      case '--tokens':
        tokens = parseCount(value());
        break;
      case '--reps':
        reps = parseCount(value());
        break;
      case '--quick':
        reps = 1;
        break;
      case '--layouts':
        layouts = value().split(',').map((l) => {
          if (l !== 'flat' && l !== 'sharded') throw new Error(`unknown layout ${l}\n${USAGE}`);
          return l;
        });
        break;
      case '--only':
        sections = value().split(',').map((s) => {
          if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s}\n${USAGE}`);
          return s as Section;
        });
        break;
      case '--dir':
        dir = value();
        break;
      case '--seed':
        seed = parseCount(value());
        break;
      case '--keep':
        keep = true;
        break;
      case '--budget':
        budget = Number(value());
        if (!Number.isFinite(budget) || budget < 0) throw new Error(`--budget needs minutes (0 for no limit)\n${USAGE}`);
        break;
      case '--tools':
        tools = value().split(',').map((t) => {
          if (!['reclaim', 'find', 'find-remove'].includes(t) && !t.startsWith('reclaim@')) throw new Error(`unknown tool ${t}\n${USAGE}`);
          return t;
        });
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (files.some((n) => n < 1)) throw new Error(`--files must be positive\n${USAGE}`);
  const budgetMinutes = budget ?? (Math.max(...files) <= 100_000 ? 9.5 : 0);
  return { files, tokens, reps, layouts, sections, dir, seed, keep, tools, budgetMinutes };
}

/** Tokens for a data set of `files` files. */
export function tokensFor(options: BenchOptions, files: number): number {
  return Math.min(files, options.tokens ?? Math.round(files * 0.7));
}

/** Repetitions for a data set of `files` files. */
export function repsFor(options: BenchOptions, files: number): number {
  return options.reps ?? (files >= 500_000 ? 1 : 3);
}
