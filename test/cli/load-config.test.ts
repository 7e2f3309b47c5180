import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReclaimError } from '../../src/kernel/index.js';
import { loadServiceConfig } from '../../src/cli/load-config.js';
import { SERVICE_OPTIONS_SCHEMA } from '../../src/node/options.js';

describe('command-line configuration', () => {
  let cwd: string;
  beforeEach(() => (cwd = mkdtempSync(join(tmpdir(), 'reclaim-config-'))));
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('uses the documented defaults with the journal beside the token file', () => {
    const options = loadServiceConfig({ flags: {}, env: {}, cwd });
    expect(options).toMatchObject({
      storagePath: './recovery_storage',
      tokenFile: './recovery_tokens.json',
      retentionHours: 24,
      maxStorageMB: 1024,
      journalFile: './recovery_tokens.json.journal.jsonl',
      orphanGraceMinutes: 60,
      emergencyMinAgeMinutes: 10,
      lowWaterPercent: 80,
      concurrency: 128,
      walkerThreads: Math.min(2, availableParallelism()),
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('takes the config file, then RECLAIM_* variables, then flags, each over the one before', () => {
    writeFileSync(join(cwd, 'reclaim.config.json'), JSON.stringify({ retentionHours: 12, maxStorageMB: 10, storagePath: '/srv/a' }));
    const options = loadServiceConfig({
      flags: { maxStorageMb: '20', walkerThreads: '3' },
      env: { RECLAIM_MAX_STORAGE_MB: '15', RECLAIM_STORAGE_PATH: '/srv/b', RECLAIM_ORPHAN_EXCLUDE: 'keep/**, *.json', RECLAIM_WALKER_THREADS: '1' },
      cwd,
    });
    expect(options).toMatchObject({ retentionHours: 12, maxStorageMB: 20, storagePath: '/srv/b', orphanExclude: ['keep/**', '*.json'], walkerThreads: 3 });
  });

  it('names each bad value with where it came from', () => {
    try {
      loadServiceConfig({ flags: { concurrency: '0' }, env: { RECLAIM_RETENTION_HOURS: '-3', RECLAIM_WALKER_THREADS: '1.5' }, cwd });
      expect.unreachable();
    } catch (error) {
      expect(isReclaimError(error, 'RECLAIM_INVALID_CONFIG')).toBe(true);
      const fields = (error as { fields: { field: string }[] }).fields.map((f) => f.field).sort();
      expect(fields).toEqual([
        'concurrency (from --concurrency)',
        'retentionHours (from RECLAIM_RETENTION_HOURS)',
        'walkerThreads (from RECLAIM_WALKER_THREADS)',
      ]);
    }
  });

  it('the published JSON Schema is the one the service validates with', () => {
    const published = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'schema', 'config.schema.json'), 'utf8'));
    const { $schema, ...rest } = published;
    expect($schema).toContain('json-schema.org');
    expect(rest).toEqual(JSON.parse(JSON.stringify(SERVICE_OPTIONS_SCHEMA)));
  });
});
