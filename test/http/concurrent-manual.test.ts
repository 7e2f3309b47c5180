import { afterEach, describe, expect, it } from 'vitest';
import { gatePolicy, journalEvents, memoryService, seededStore, serve, type Served } from './helpers.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

describe('concurrent POST /manual', () => {
  it('share one run: every caller gets the same result, the store is cleaned once', async () => {
    const CALLERS = 40;
    const gate = gatePolicy();
    const store = seededStore({ expired: 25, valid: 5, orphans: 3 });
    let arrived = 0;
    let allArrived!: () => void;
    const everyoneIn = new Promise<void>((resolve) => (allArrived = resolve));
    served = await serve(memoryService(store, { policies: [gate.registration] }), {}, (app) => {
      // A host hook counts requests that reached the server, so the gate opens only after all did.
      app.addHook('preHandler', async (request) => {
        if (request.url.startsWith('/api/cleanup/manual') && ++arrived === CALLERS) allArrived();
      });
    });
    const responses = Array.from({ length: CALLERS }, () => fetch(`${served!.url}/api/cleanup/manual`, { method: 'POST' }));
    await gate.reached;
    await everyoneIn;
    // The handlers run right after preHandler; give the last of them a moment to join the run.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.open();
    const bodies = await Promise.all(responses.map(async (pending) => {
      const response = await pending;
      return { status: response.status, body: await response.json() };
    }));

    expect(bodies.every((b) => b.status === 200 && b.body.status === 'success')).toBe(true);
    const runIds = new Set(bodies.map((b) => b.body.result.run_id));
    expect(runIds.size).toBe(1);
    for (const { body } of bodies) expect(body.result).toEqual(bodies[0]!.body.result);
    expect(bodies[0]!.body.result).toMatchObject({ tokens_cleaned: 25, files_cleaned: 28 });
    const runsStarted = (await journalEvents(served.service)).filter((e) => e.type === 'RunStarted');
    expect(runsStarted).toHaveLength(1);
    expect(served.service.getMetrics().tokensCleaned).toBe(25);
    expect(store.records()).toHaveLength(5);
  });

  it('a dry run asked for during a real run is its own run, after it, and deletes nothing', async () => {
    const gate = gatePolicy();
    const store = seededStore({ expired: 3, valid: 1, orphans: 0 });
    served = await serve(memoryService(store, { policies: [gate.registration] }));
    const real = fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' }).then((r) => r.json());
    await gate.reached;
    const dry = fetch(`${served.url}/api/cleanup/manual?dry_run=true`, { method: 'POST' }).then((r) => r.json());
    await new Promise((resolve) => setTimeout(resolve, 30));
    gate.open();
    // The gate policy holds every run that reaches it; it is open for good now.
    const [realBody, dryBody] = await Promise.all([real, dry]);
    expect(realBody.result.dry_run).toBe(false);
    expect(dryBody.result.dry_run).toBe(true);
    expect(dryBody.result.run_id).not.toBe(realBody.result.run_id);
    expect(realBody.result.tokens_cleaned).toBe(3);
    // It ran after the real run, so there was nothing left that it would delete.
    expect(dryBody.result.tokens_cleaned).toBe(0);
    expect(store.records()).toHaveLength(1);
  });
});
