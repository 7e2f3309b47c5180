import { validateConfig, type JsonSchema } from '../kernel/index.js';
// The one module of the folder store this needs, not its index: config loading stays light.
import { defaultWalkerThreads } from '../stores/folder/walker-threads.js';

/** Options of the server cleanup service (SPEC §5), as a host or the CLI gives them. */
export interface CleanupServiceOptions {
  /** Folder holding the audio files. Default `./recovery_storage`. */
  readonly storagePath?: string;
  /** The JSON token database. Default `./recovery_tokens.json`. */
  readonly tokenFile?: string;
  /** Hours a token is kept. Default 24. */
  readonly retentionHours?: number;
  /** Storage limit in MiB (1,048,576 bytes). Default 1024. */
  readonly maxStorageMB?: number;
  /** The journal file. Default: beside the token file, `<tokenFile>.journal.jsonl`. */
  readonly journalFile?: string;
  /** Orphan grace period by mtime. Default 60. */
  readonly orphanGraceMinutes?: number;
  /** Glob patterns (root-relative) the orphan pass never deletes. */
  readonly orphanExclude?: readonly string[];
  /** Tokens younger than this are never evicted. Default 10. */
  readonly emergencyMinAgeMinutes?: number;
  /** Emergency eviction stops at this percent of the limit. Default 80. */
  readonly lowWaterPercent?: number;
  /**
   * Deletions in flight at once. Default 128: unlinks wait on the device and overlap there (the
   * `reclaim` executable gives libuv's pool 16 threads to carry them; see src/cli/reclaim.cts).
   */
  readonly concurrency?: number;
  /** Compact the journal after this many events. Default 50,000. */
  readonly compactAfterEvents?: number;
  /** Threads a walk of the storage folder is split between (see `StorageFolderOptions.walkerThreads`). Default 2, or 1 on a single core. */
  readonly walkerThreads?: number;
}

/** The options with every default applied, validated and frozen. */
export type ResolvedServiceOptions = Required<CleanupServiceOptions>;

/** JSON Schema of the service options; the CLI's config file is checked against it too. */
export const SERVICE_OPTIONS_SCHEMA: JsonSchema = {
  $id: 'reclaim/config.schema.json',
  title: 'reclaim server configuration',
  type: 'object',
  properties: {
    storagePath: { type: 'string', minLength: 1, default: './recovery_storage' },
    tokenFile: { type: 'string', minLength: 1, default: './recovery_tokens.json' },
    retentionHours: { type: 'number', exclusiveMinimum: 0, default: 24 },
    maxStorageMB: { type: 'number', exclusiveMinimum: 0, default: 1024 },
    journalFile: { type: 'string', minLength: 1 },
    orphanGraceMinutes: { type: 'number', minimum: 0, default: 60 },
    orphanExclude: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    emergencyMinAgeMinutes: { type: 'number', minimum: 0, default: 10 },
    lowWaterPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 80 },
    concurrency: { type: 'integer', minimum: 1, maximum: 1024, default: 128 },
    compactAfterEvents: { type: 'integer', minimum: 1, default: 50000 },
    walkerThreads: { type: 'integer', minimum: 1, maximum: 64 },
  },
  additionalProperties: false,
};

/**
 * Validates service options once: defaults applied, one `RECLAIM_INVALID_CONFIG` error naming
 * every bad field and its fix, result frozen. The journal defaults to a file beside the token
 * file, the walker threads to 2 (1 on a single core).
 */
export function resolveServiceOptions(input: CleanupServiceOptions | undefined): ResolvedServiceOptions {
  const validated = validateConfig<CleanupServiceOptions>(SERVICE_OPTIONS_SCHEMA, input ?? {}, {
    subject: 'Invalid reclaim configuration',
  });
  return Object.freeze({
    ...validated,
    journalFile: validated.journalFile ?? `${validated.tokenFile as string}.journal.jsonl`,
    walkerThreads: validated.walkerThreads ?? defaultWalkerThreads(),
  }) as ResolvedServiceOptions;
}
