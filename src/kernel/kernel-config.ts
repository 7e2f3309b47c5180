import { validateConfig, type JsonSchema } from './validation.js';

/** Kernel tuning, validated once and frozen. */
export interface KernelConfig {
  /** Deletions carried out at once. Unlinks wait on the disk, so overlap pays. */
  readonly concurrency: number;
  /** Deletion intents journaled together before they are carried out. */
  readonly batchSize: number;
  /** Retention the host works with, recorded in each run for metrics; null when not relevant. */
  readonly retentionHours: number | null;
  /** Compact the journal once this many events were appended since the last compaction. */
  readonly compactAfterEvents: number;
}

/** What a host may pass; every field has a default. */
export type KernelConfigInput = Partial<KernelConfig>;

/** JSON Schema of {@link KernelConfig}. */
export const KERNEL_CONFIG_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    concurrency: { type: 'integer', minimum: 1, maximum: 1024, default: 32 },
    batchSize: { type: 'integer', minimum: 1, maximum: 100000, default: 256 },
    retentionHours: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
    compactAfterEvents: { type: 'integer', minimum: 1, default: 50000 },
  },
  additionalProperties: false,
};

/** Validates kernel configuration: defaults applied, one error naming every bad field, frozen. */
export function resolveKernelConfig(input: KernelConfigInput | undefined): KernelConfig {
  return validateConfig<KernelConfig>(KERNEL_CONFIG_SCHEMA, input ?? {}, { subject: 'Invalid kernel configuration' });
}
