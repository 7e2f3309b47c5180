import type { JsonSchema } from '../kernel/index.js';
import { KERNEL_CONFIG_SCHEMA } from '../kernel/kernel-config.js';
import { EMERGENCY_OPTIONS_SCHEMA } from '../policies/emergency.js';
import { EXPIRY_OPTIONS_SCHEMA } from '../policies/expiry.js';
import { ORPHAN_OPTIONS_SCHEMA } from '../policies/orphan.js';
import { FILE_JOURNAL_OPTIONS_SCHEMA } from '../stores/file-journal/file-journal-options.js';
import { SERVICE_OPTIONS_SCHEMA } from './options.js';

/**
 * Every schema the Node service validates its configuration with, by the name its validator is
 * exported under in config-validators.generated.ts (`npm run validators` compiles them there).
 */
export const PRECOMPILED_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  serviceOptions: SERVICE_OPTIONS_SCHEMA,
  kernelConfig: KERNEL_CONFIG_SCHEMA,
  fileJournalOptions: FILE_JOURNAL_OPTIONS_SCHEMA,
  expiryOptions: EXPIRY_OPTIONS_SCHEMA,
  orphanOptions: ORPHAN_OPTIONS_SCHEMA,
  emergencyOptions: EMERGENCY_OPTIONS_SCHEMA,
};
