import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configError, isReclaimError, ReclaimError, type FieldProblem } from '../kernel/index.js';
import { resolveServiceOptions, type CleanupServiceOptions, type ResolvedServiceOptions } from '../node/options.js';
// The service's schemas validate with validators compiled ahead of time.
import '../node/precompiled-validators.js';
import { CLI_OPTIONS, flagProperty, parseOptionValue } from './option-table.js';

/** Where the command line takes its configuration from. */
export interface ConfigSources {
  /** Parsed commander options (only those given). */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The default config file, read when present and no other is named. */
export const DEFAULT_CONFIG_FILE = 'reclaim.config.json';

/**
 * Resolves the service options from, lowest to highest precedence: defaults, a JSON config file
 * (`--config`, `RECLAIM_CONFIG`, or `./reclaim.config.json` when present), `RECLAIM_*`
 * environment variables, and flags. Every bad value is named with where it came from.
 */
export function loadServiceConfig(sources: ConfigSources): ResolvedServiceOptions {
  const merged: Record<string, unknown> = {};
  const origin = new Map<string, string>();

  const named = (sources.flags.config as string | undefined) ?? sources.env.RECLAIM_CONFIG;
  const file = named ?? (existsSync(resolve(sources.cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  if (file !== undefined) {
    const path = resolve(sources.cwd, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw configError('RECLAIM_INVALID_CONFIG', 'Cannot read the config file', [
        { field: 'config', problem: `${path}: ${(error as Error).message}`, fix: 'give the path of a readable JSON file' },
      ]);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw configError('RECLAIM_INVALID_CONFIG', 'The config file is not JSON', [
        { field: 'config', problem: `${path}: ${(error as Error).message}`, fix: 'write the file as a JSON object, see schema/config.schema.json' },
      ]);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw configError('RECLAIM_INVALID_CONFIG', 'The config file must hold a JSON object', [
        { field: 'config', problem: `${path} holds ${Array.isArray(parsed) ? 'an array' : typeof parsed}`, fix: 'write an object such as {"retentionHours": 24}' },
      ]);
    }
    for (const [key, value] of Object.entries(parsed)) {
      merged[key] = value;
      origin.set(key, `in ${file}`);
    }
  }
  for (const spec of CLI_OPTIONS) {
    const raw = sources.env[spec.env];
    if (raw !== undefined) {
      merged[spec.key] = parseOptionValue(spec, raw);
      origin.set(spec.key, `from ${spec.env}`);
    }
  }
  for (const spec of CLI_OPTIONS) {
    const raw = sources.flags[flagProperty(spec)];
    if (raw !== undefined) {
      merged[spec.key] = typeof raw === 'string' ? parseOptionValue(spec, raw) : raw;
      origin.set(spec.key, `from ${spec.flag.split(' ')[0]}`);
    }
  }
  try {
    return resolveServiceOptions(merged as CleanupServiceOptions);
  } catch (error) {
    if (!isReclaimError(error, 'RECLAIM_INVALID_CONFIG')) throw error;
    const fields: FieldProblem[] = error.fields.map((f) => {
      const where = origin.get(f.field.split('.')[0] ?? f.field);
      return where === undefined ? f : { ...f, field: `${f.field} (${where})` };
    });
    throw configError('RECLAIM_INVALID_CONFIG', 'Invalid reclaim configuration', fields);
  }
}

/** True for errors that mean bad usage or configuration (exit code 2). */
export function isUsageError(error: unknown): error is ReclaimError {
  return isReclaimError(error, 'RECLAIM_INVALID_CONFIG') || isReclaimError(error, 'RECLAIM_INVALID_INTERVAL') || isReclaimError(error, 'RECLAIM_INVALID_WINDOW');
}
