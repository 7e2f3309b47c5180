import { createCleanupService, type BrowserCleanupOptions, type BrowserCleanupParts, type BrowserCleanupService } from '../../../src/browser/index.js';
import { uniqueName } from './seed-sessions.js';

const open: BrowserCleanupService[] = [];

/** Options for one test: its own session database, journal, lock and channel. */
export function isolatedOptions(preset: 'chatterbox-storage' | 'chatterbox-recovery' = 'chatterbox-storage', overrides: BrowserCleanupOptions = {}): BrowserCleanupOptions {
  const databaseName = uniqueName(preset);
  return { store: { preset, databaseName }, ...overrides };
}

/** Creates a service that `closeAll()` closes after the test. */
export function track(options: BrowserCleanupOptions, parts: BrowserCleanupParts = {}): BrowserCleanupService {
  const service = createCleanupService(options, { estimate: null, ...parts });
  open.push(service);
  return service;
}

/** Closes every tracked service. */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

/** The session database name of options made by {@link isolatedOptions}. */
export function databaseOf(options: BrowserCleanupOptions): string {
  return (options.store as { databaseName: string }).databaseName;
}
