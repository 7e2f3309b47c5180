import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, isReclaimError, ReclaimError, resolveKernelConfig } from '../../src/kernel/index.js';

describe('error catalogue', () => {
  it('has unique, stable, prefixed codes, each with a description', () => {
    const codes = Object.keys(ERROR_CATALOGUE);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^RECLAIM_[A-Z_]+$/);
      expect(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].length).toBeGreaterThan(5);
    }
    expect(new Set(Object.values(ERROR_CATALOGUE)).size).toBe(codes.length);
  });

  it('the type guard narrows by code', () => {
    const error = new ReclaimError('RECLAIM_STORE_FAILED', 'x');
    expect(isReclaimError(error)).toBe(true);
    expect(isReclaimError(error, 'RECLAIM_STORE_FAILED')).toBe(true);
    expect(isReclaimError(error, 'RECLAIM_INVALID_CONFIG')).toBe(false);
    expect(isReclaimError(new Error('x'))).toBe(false);
  });
});

describe('kernel configuration', () => {
  it('applies defaults and freezes the result', () => {
    const config = resolveKernelConfig({});
    expect(config).toEqual({ concurrency: 32, batchSize: 256, retentionHours: null, compactAfterEvents: 50000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad field with its fix in one error, NaN included', () => {
    try {
      resolveKernelConfig({ concurrency: 0, batchSize: Number.NaN, retentionHours: -1, bogus: 1 } as never);
      expect.unreachable();
    } catch (error) {
      expect(isReclaimError(error, 'RECLAIM_INVALID_CONFIG')).toBe(true);
      const fields = (error as ReclaimError).fields.map((f) => f.field).sort();
      expect(fields).toEqual(['batchSize', 'bogus', 'concurrency', 'retentionHours']);
      expect((error as Error).message).toContain('concurrency: must be >= 1 (got 0); use a value of at least 1');
      expect((error as Error).message).toContain('bogus: is not a known option; remove it or check its spelling');
    }
  });
});
