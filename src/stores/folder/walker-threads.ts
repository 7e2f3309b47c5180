import { availableParallelism } from 'node:os';
import { ReclaimError } from '../../kernel/index.js';

/** Worker threads a walk is split between unless told otherwise: 2, or 1 on a single core. */
export function defaultWalkerThreads(): number {
  return Math.min(2, availableParallelism());
}

/** `walkerThreads` as given, checked, or the default when not given. */
export function walkerThreadsOf(value: number | undefined): number {
  if (value === undefined) return defaultWalkerThreads();
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    const fix = 'use a whole number from 1 to 64, or leave it out for the default';
    throw new ReclaimError('RECLAIM_INVALID_CONFIG', `Invalid storage folder options:\n  - walkerThreads: is ${String(value)}; ${fix}`, {
      fields: [{ field: 'walkerThreads', problem: `is ${String(value)}`, fix }],
    });
  }
  return value;
}
