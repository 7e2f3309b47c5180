import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupRoutes } from '../../src/http/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { SlowTailJournal, eventOf, gatePolicy, journalEvents, memoryService, pacedFiles, pacedPolicies, readSse, seededStore, serve, type Served } from './helpers.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const isRunCompleted = (messages: readonly { data: string }[]) => messages.some((m) => eventOf(m as never).type === 'RunCompleted');

describe('GET /events', () => {
  it('streams live domain events with their journal seq as id', async () => {
    served = await serve(memoryService(seededStore({ expired: 3 })));
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const reading = readSse(`${served.url}/api/cleanup/events`, { until: isRunCompleted, onOpen: opened });
    await open;
    const run = await (await fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' })).json();
    const { messages, status, headers } = await reading;
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('cache-control')).toContain('no-cache');
    const events = messages.map(eventOf);
    expect(events[0]?.type).toBe('RunStarted');
    expect(events.at(-1)).toMatchObject({ type: 'RunCompleted', runId: run.result.run_id });
    expect(messages.map((m) => Number(m.id))).toEqual(events.map((e) => e.seq));
    expect(events).toEqual(await journalEvents(served.service));
  });

  it('a client cut off mid-run resumes with Last-Event-ID and sees every event exactly once', async () => {
    const gate = gatePolicy();
    const store = seededStore({ expired: 40, valid: 0, orphans: 0 });
    for (const file of pacedFiles(40, 3)) store.putFile(file);
    served = await serve(memoryService(store, { journal: new SlowTailJournal(), policies: [gate.registration, ...pacedPolicies(40, 3, 4)] }));
    const url = `${served.url}/api/cleanup/events`;

    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    // First connection: cut off while the run is held at the gate, after the expiry events.
    const first = readSse(url, { until: (m) => m.length >= 30, onOpen: opened });
    await open;
    const running = fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' }).then((r) => r.json());
    const firstPart = await first;
    await gate.reached;
    gate.open();
    // Let some paced events happen while no client is connected.
    await new Promise((resolve) => setTimeout(resolve, 40));
    const lastSeen = firstPart.messages.at(-1)!.id!;
    const second = await readSse(url, { headers: { 'last-event-id': lastSeen }, until: isRunCompleted });
    const result = await running;

    const seen = [...firstPart.messages, ...second.messages].map((m) => Number(m.id));
    const journal = (await journalEvents(served.service)).map((e) => e.seq);
    expect(result.status).toBe('success');
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(journal);
    // The resumed part really spans replayed and live events: the run went on while it reconnected.
    expect(second.messages.length).toBeGreaterThan(100);
  });

  it('replays the whole journal for Last-Event-ID 0 or ?last_event_id=0, then goes live', async () => {
    served = await serve(memoryService(seededStore({ expired: 2 })));
    await fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' });
    const journal = await journalEvents(served.service);
    const viaHeader = await readSse(`${served.url}/api/cleanup/events`, { headers: { 'last-event-id': '0' }, until: (m) => m.length >= journal.length });
    expect(viaHeader.messages.map(eventOf)).toEqual(journal);
    const viaQuery = await readSse(`${served.url}/api/cleanup/events?last_event_id=3`, { until: (m) => m.length >= journal.length - 3 });
    expect(viaQuery.messages.map((m) => Number(m.id))).toEqual(journal.slice(3).map((e) => e.seq));
  });

  it('filters by type without breaking resumption, and sends heartbeats', async () => {
    served = await serve(memoryService(seededStore({ expired: 2 })), { events: { heartbeatMs: 30 } });
    await fetch(`${served.url}/api/cleanup/manual`, { method: 'POST' });
    const only = await readSse(`${served.url}/api/cleanup/events?types=RunStarted,RunCompleted&last_event_id=0`, {
      until: (m, comments) => m.length >= 2 && comments.filter((c) => c.startsWith('heartbeat')).length >= 2,
    });
    expect(only.messages.map((m) => eventOf(m).type)).toEqual(['RunStarted', 'RunCompleted']);
    expect(only.comments.filter((c) => c.startsWith('heartbeat')).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses streams beyond maxClients with 503 and Retry-After', async () => {
    served = await serve(memoryService(), { events: { maxClients: 1 } });
    const controller = new AbortController();
    const first = await fetch(`${served.url}/api/cleanup/events`, { signal: controller.signal });
    expect(first.status).toBe(200);
    const second = await fetch(`${served.url}/api/cleanup/events`);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('10');
    expect((await second.json()).code).toBe('RECLAIM_HTTP_UNAVAILABLE');
    controller.abort();
  });

  it('ends open streams cleanly when the app closes, without forcing connections', async () => {
    const service = memoryService(new MemoryStore());
    const app = Fastify(); // default forceCloseConnections: the plugin itself must end its streams
    await app.register(cleanupRoutes, { service, rateLimit: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const ended = new Promise<{ chunks: string; clean: boolean }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/cleanup/events', agent: false }, (res) => {
        let chunks = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          chunks += chunk;
          if (chunks.includes(': connected')) void app.close();
        });
        res.on('end', () => resolve({ chunks, clean: res.complete }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const started = Date.now();
    const { chunks, clean } = await ended;
    expect(chunks).toContain('retry:');
    expect(clean).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    await service.close();
  });

  it('ends open streams when the service closes', async () => {
    const service = memoryService(new MemoryStore());
    served = await serve(service);
    const reading = readSse(`${served.url}/api/cleanup/events`, { until: () => false, onOpen: () => void service.close() });
    const { ended } = await reading;
    expect(ended).toBe(true);
  });
});
