import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { createTabLock, IndexedDbLease } from '../../src/browser/index.js';
import { uniqueName } from './support/seed-sessions.js';

describe('IndexedDB lease (the fallback without Web Locks)', () => {
  it('lets one holder in at a time across independent holders (tabs)', async () => {
    const databaseName = uniqueName('locks');
    const name = 'cleanup';
    const holders = Array.from({ length: 5 }, () => new IndexedDbLease({ databaseName, pollMs: 2 }));
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      holders.flatMap((lease, i) =>
        [0, 1].map(() =>
          lease.run(name, async () => {
            inside += 1;
            maxInside = Math.max(maxInside, inside);
            await new Promise((resolve) => setTimeout(resolve, 3));
            order.push(i);
            inside -= 1;
          }),
        ),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order).toHaveLength(10);
  });

  it('takes over a lease whose holder died (it stopped renewing), and not before it expires', async () => {
    const databaseName = uniqueName('locks-dead');
    // Take the database's schema from a first use, then leave a lease as a killed tab would.
    await new IndexedDbLease({ databaseName }).run('cleanup', async () => undefined);
    const db = await openDB(databaseName, 1);
    const expiresAt = Date.now() + 60;
    await db.put('leases', { name: 'cleanup', owner: 'a-tab-that-died', expiresAt });
    db.close();
    const taken = await new IndexedDbLease({ databaseName, pollMs: 5 }).run('cleanup', async () => Date.now());
    expect(taken).toBeGreaterThanOrEqual(expiresAt);
  });

  it('times out waiting for a live holder that keeps renewing', async () => {
    const databaseName = uniqueName('locks-live');
    let release!: () => void;
    const holding = new IndexedDbLease({ databaseName, ttlMs: 30 }).run('cleanup', () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(new IndexedDbLease({ databaseName, pollMs: 5 }).run('cleanup', async () => 'never', 100)).rejects.toMatchObject({
      code: 'RECLAIM_LOCK_TIMEOUT',
    });
    release();
    await holding;
  });

  it('releases the lease when the work throws', async () => {
    const databaseName = uniqueName('locks-throw');
    const lease = new IndexedDbLease({ databaseName });
    await expect(lease.run('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await new IndexedDbLease({ databaseName }).run('x', async () => 'free', 100)).toBe('free');
  });

  it('createTabLock falls back to the lease without navigator.locks, and refuses web-locks there', () => {
    expect(createTabLock({ name: 'n' }).kind).toBe('indexeddb-lease');
    expect(() => createTabLock({ name: 'n', kind: 'web-locks' })).toThrow(/navigator\.locks/);
  });
});
