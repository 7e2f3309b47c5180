import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReclaimError } from '../../src/kernel/index.js';
import { createCleanupService, createScheduledCleanup, TokenFile } from '../../src/node/index.js';

const HOUR = 3_600_000;

describe('reclaim/node service', () => {
  let dir: string;
  let storagePath: string;
  let tokenFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reclaim-service-'));
    storagePath = join(dir, 'recovery_storage');
    tokenFile = join(dir, 'recovery_tokens.json');
    mkdirSync(storagePath);
    const now = Date.now();
    const tokens: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) {
      const id = `tok${i}`;
      writeFileSync(join(storagePath, `${id}.wav`), Buffer.alloc(100 * (i + 1)));
      const created = now - (i < 4 ? 30 : 1) * HOUR;
      tokens[id] = { token_id: id, file_path: join(storagePath, `${id}.wav`), created_at: new Date(created).toISOString(), expires_at: new Date(created + 24 * HOUR).toISOString() };
    }
    writeFileSync(join(storagePath, 'orphan.wav'), Buffer.alloc(50));
    utimesSync(join(storagePath, 'orphan.wav'), new Date(now - 3 * HOUR), new Date(now - 3 * HOUR));
    writeFileSync(tokenFile, JSON.stringify(tokens));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a cleanup with the documented result and metrics, and rebuilds the metrics after a restart', async () => {
    const service = createCleanupService({ storagePath, tokenFile, retentionHours: 24, maxStorageMB: 1024 });
    const result = await service.runCleanup();
    expect(result).toMatchObject({ tokensCleaned: 4, filesCleaned: 5, bytesFreed: 100 + 200 + 300 + 400 + 50, success: true, outcome: 'success', dryRun: false });
    expect(result.storageSize).toBe([5, 6, 7, 8, 9, 10].reduce((s, k) => s + 100 * k, 0));
    const metrics = service.getMetrics();
    expect(metrics).toMatchObject({ tokensCleaned: 4, filesCleaned: 5, bytesFreed: 1050, errors: 0, lastError: null, storageLimit: 1024 * 1_048_576, retentionHours: 24 });
    expect(typeof metrics.lastCleanup).toBe('string');
    await service.close();

    const again = createCleanupService({ storagePath, tokenFile });
    await again.ready;
    expect(again.getMetrics()).toEqual(metrics);
    await again.close();
  });

  it('a dry run reports the same figures and deletes nothing', async () => {
    const service = createCleanupService({ storagePath, tokenFile });
    const result = await service.runCleanup({ dryRun: true });
    expect(result).toMatchObject({ dryRun: true, tokensCleaned: 4, filesCleaned: 5, bytesFreed: 1050, success: true });
    expect(readdirSync(storagePath)).toHaveLength(11);
    expect(service.getMetrics().tokensCleaned).toBe(0);
    await service.close();
  });

  it('evicts the oldest tokens when storage is over the limit and reports the emergency', async () => {
    const service = createCleanupService({ storagePath, tokenFile, maxStorageMB: 3000 / 1_048_576, emergencyMinAgeMinutes: 0, orphanGraceMinutes: 0 });
    const result = await service.runCleanup();
    expect(result.emergency).not.toBeNull();
    expect(result.storageSize).toBeLessThanOrEqual(Math.floor(3000 * 0.8));
    expect(result.emergency?.shortfallBytes).toBe(0);
    await service.close();
  });

  it('keeps a token a host adds through TokenFile during runs', async () => {
    const service = createCleanupService({ storagePath, tokenFile });
    const host = new TokenFile(tokenFile);
    writeFileSync(join(storagePath, 'fresh.wav'), Buffer.alloc(10));
    await Promise.all([service.runCleanup(), host.addToken({ id: 'fresh', filePath: join(storagePath, 'fresh.wav'), expiresAt: Date.now() + HOUR })]);
    await service.runCleanup();
    const snapshot = await host.read();
    expect(snapshot.tokens.map((t) => t.id)).toContain('fresh');
    expect(readdirSync(storagePath)).toContain('fresh.wav');
    await service.close();
  });

  it('refuses bad options with one error naming every field', () => {
    try {
      createCleanupService({ retentionHours: 0, maxStorageMB: -5 });
      expect.unreachable();
    } catch (error) {
      expect(isReclaimError(error, 'RECLAIM_INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('retentionHours: must be > 0');
      expect((error as Error).message).toContain('maxStorageMB: must be > 0');
    }
  });

  it('schedules: runs at start, reports its status, and stops for good', async () => {
    const service = createCleanupService({ storagePath, tokenFile });
    expect(() => createScheduledCleanup(service, { intervalHours: 0 })).toThrow(expect.objectContaining({ code: 'RECLAIM_INVALID_INTERVAL' }));
    expect(() => createScheduledCleanup(service, Number.NaN)).toThrow(/intervalHours must be a finite number above 0/);
    const scheduled = createScheduledCleanup(service, { intervalHours: 1 });
    expect(scheduled.status()).toMatchObject({ scheduled: false, intervalHours: null });
    await scheduled.start();
    expect(scheduled.status()).toMatchObject({ scheduled: true, intervalHours: 1 });
    await service.kernel.whenIdle();
    for (let i = 0; i < 50 && service.getMetrics().lastCleanup === null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(service.getMetrics().tokensCleaned).toBe(4);
    await scheduled.stop();
    await scheduled.stop();
    expect(scheduled.status()).toMatchObject({ scheduled: false, intervalHours: null, runs: 1 });
    await service.close();
  });
});
