import type { CleanupServiceOptions } from '../node/options.js';

/** One service option as the command line offers it: flag, environment variable and type. */
export interface CliOption {
  readonly key: keyof CleanupServiceOptions;
  readonly flag: string;
  readonly env: string;
  readonly type: 'string' | 'number' | 'list';
  readonly description: string;
}

function env(key: string): string {
  return `RECLAIM_${key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function option(key: keyof CleanupServiceOptions, flag: string, type: CliOption['type'], description: string): CliOption {
  return { key, flag, env: env(key), type, description };
}

/** Every service option, in help order. Environment names are `RECLAIM_` + the key in snake case. */
export const CLI_OPTIONS: readonly CliOption[] = [
  option('storagePath', '--storage-path <dir>', 'string', 'folder holding the audio files (default ./recovery_storage)'),
  option('tokenFile', '--token-file <file>', 'string', 'JSON token database (default ./recovery_tokens.json)'),
  option('retentionHours', '--retention-hours <hours>', 'number', 'hours a token is kept (default 24)'),
  option('maxStorageMB', '--max-storage-mb <mib>', 'number', 'storage limit in MiB (default 1024)'),
  option('journalFile', '--journal-file <file>', 'string', 'event journal (default <token-file>.journal.jsonl)'),
  option('orphanGraceMinutes', '--orphan-grace-minutes <minutes>', 'number', 'files younger than this are never orphans (default 60)'),
  option('orphanExclude', '--orphan-exclude <globs>', 'list', 'comma-separated globs the orphan pass never deletes'),
  option('emergencyMinAgeMinutes', '--emergency-min-age-minutes <minutes>', 'number', 'tokens younger than this are never evicted (default 10)'),
  option('lowWaterPercent', '--low-water-percent <percent>', 'number', 'emergency eviction stops at this % of the limit (default 80)'),
  option('concurrency', '--concurrency <n>', 'number', 'deletions in flight at once (default 128)'),
  option('compactAfterEvents', '--compact-after-events <n>', 'number', 'compact the journal after this many events (default 50000)'),
  option('walkerThreads', '--walker-threads <n>', 'number', 'threads a folder walk is split between: worker threads, and this one for an unpaced walk (default 2, 1 on one core)'),
];

/** Turns a flag or environment string into the option's type; a bad number stays NaN for the schema to name. */
export function parseOptionValue(spec: CliOption, raw: string): unknown {
  if (spec.type === 'number') return raw.trim() === '' ? Number.NaN : Number(raw);
  if (spec.type === 'list') return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return raw;
}

/** The commander property name of a flag, e.g. `--max-storage-mb <mib>` → `maxStorageMb`. */
export function flagProperty(spec: CliOption): string {
  const name = spec.flag.split(' ')[0]?.replace(/^--/, '') ?? '';
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
