import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { isQuotaExceededError, writeWithQuotaRetry } from '../../src/browser/index.js';
import { seedKeyValueSessions, storedKeys } from './support/seed-sessions.js';
import { closeAll, databaseOf, isolatedOptions, track } from './support/services.js';

const HOUR = 3_600_000;

afterEach(closeAll);

function quotaError(): DOMException {
  return new DOMException('The quota has been exceeded.', 'QuotaExceededError');
}

describe('isQuotaExceededError', () => {
  it('recognises the browsers’ quota errors and nothing else', () => {
    expect(isQuotaExceededError(quotaError())).toBe(true);
    expect(isQuotaExceededError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaExceededError({ name: 'AbortError', error: quotaError() })).toBe(true);
    expect(isQuotaExceededError(new DOMException('x', 'AbortError'))).toBe(false);
    expect(isQuotaExceededError(new Error('disk'))).toBe(false);
    expect(isQuotaExceededError(null)).toBe(false);
  });
});

describe('writeWithQuotaRetry', () => {
  async function seeded() {
    const options = isolatedOptions();
    const now = Date.now();
    // Under every threshold: only a quota error makes room here.
    await seedKeyValueSessions(
      databaseOf(options),
      Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, timestamp: now - 5 * HOUR, lastAccessed: now - (i + 1) * HOUR, size: 1000 })),
      { activeId: 's4' },
    );
    return { options, client: track(options) };
  }

  it('writes at once when there is room', async () => {
    const { client } = await seeded();
    expect(await writeWithQuotaRetry(async () => 'ok', client)).toEqual({ status: 'written', value: 'ok', retried: false });
  });

  it('on QuotaExceededError evicts the oldest unprotected sessions, retries once, and reports it', async () => {
    const { options, client } = await seeded();
    let attempts = 0;
    const report = await writeWithQuotaRetry(async () => {
      attempts += 1;
      if (attempts === 1) throw quotaError();
      return 'saved';
    }, client);
    expect(attempts).toBe(2);
    expect(report).toMatchObject({ status: 'written', value: 'saved', retried: true });
    if (report.status !== 'written' || !report.retried) throw new Error('unexpected report');
    expect(report.cleanup).toMatchObject({ emergencyRun: true, sessionsCleared: 1, bytesFreed: 1000, trigger: 'quota' });
    // 20% of 5000 B: the oldest unprotected one (s3; s4 is active) goes.
    const left = (await storedKeys(databaseOf(options), 'keyValueStore')).filter((k) => k.startsWith('cbx_recovery_session_'));
    expect(left.sort()).toEqual(['s0', 's1', 's2', 's4'].map((id) => `cbx_recovery_session_${id}`));
  });

  it('reports a retry that fails again', async () => {
    const { client } = await seeded();
    const report = await writeWithQuotaRetry(async () => {
      throw quotaError();
    }, client);
    expect(report.status).toBe('failed');
    expect(report.status === 'failed' && report.cleanup?.emergencyRun).toBe(true);
  });

  it('throws other errors as they are, without cleaning', async () => {
    const { client } = await seeded();
    await expect(writeWithQuotaRetry(async () => Promise.reject(new TypeError('bad value')), client)).rejects.toThrow('bad value');
    expect(client.getMetrics().sessionsCleared).toBe(0);
  });
});
