import 'reflect-metadata';
import Fastify, { type FastifyInstance } from 'fastify';
import { defer, EMPTY, interval, map, mergeMap, take, type Observable } from 'rxjs';
import { MemoryJournal, type Decision, type DomainEvent, type Journal, type JournalEntry, type Policy, type PolicyRegistration } from '../../src/kernel/index.js';
import { MemoryStore, type MemoryRecord, type MemoryFile } from '../../src/stores/memory/index.js';
import { assembleCleanupService, resolveServiceOptions, type CleanupService } from '../../src/node/cleanup-service.js';
import type { CleanupServiceOptions } from '../../src/node/options.js';
import { cleanupRoutes, type CleanupRoutesOptions } from '../../src/http/index.js';

export const HOUR = 3_600_000;

/** Expired tokens with files, valid tokens with files, and old orphans, in a memory store. */
export function seededStore(counts: { expired?: number; valid?: number; orphans?: number } = {}): MemoryStore {
  const now = Date.now();
  const records: MemoryRecord[] = [];
  const files: MemoryFile[] = [];
  for (let i = 0; i < (counts.expired ?? 3); i++) {
    records.push({ id: `old-${i}`, createdAt: now - 48 * HOUR, expiresAt: now - HOUR, fileKey: `old-${i}.wav` });
    files.push({ key: `old-${i}.wav`, size: 1000, mtimeMs: now - 48 * HOUR });
  }
  for (let i = 0; i < (counts.valid ?? 2); i++) {
    records.push({ id: `new-${i}`, createdAt: now, expiresAt: now + HOUR, fileKey: `new-${i}.wav` });
    files.push({ key: `new-${i}.wav`, size: 500, mtimeMs: now });
  }
  for (let i = 0; i < (counts.orphans ?? 1); i++) files.push({ key: `orphan-${i}.wav`, size: 7, mtimeMs: now - 48 * HOUR });
  return new MemoryStore({ records, files });
}

/**
 * A journal that reads like a file being tailed on a slow disk: a pause every few events, and
 * it keeps reading until it has caught up with appends made meanwhile. With it a resuming event
 * stream replays while live events arrive, so both sides of the replay/live hand-over are real.
 */
export class SlowTailJournal implements Journal {
  readonly #inner = new MemoryJournal();
  get lastSeq(): number {
    return this.#inner.lastSeq;
  }
  append(events: Parameters<Journal['append']>[0]) {
    return this.#inner.append(events);
  }
  async *read(fromSeq = 1): AsyncIterable<JournalEntry> {
    let next = fromSeq;
    for (;;) {
      const batch: JournalEntry[] = [];
      for await (const entry of this.#inner.read(next)) batch.push(entry);
      if (batch.length === 0) return;
      for (const [i, entry] of batch.entries()) {
        if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        if (entry.kind === 'event') next = entry.event.seq + 1;
        yield entry;
      }
    }
  }
}

/** A service over a memory store and journal (the parts API). */
export function memoryService(
  store: MemoryStore = seededStore(),
  extra: { journal?: Journal; policies?: PolicyRegistration[]; options?: CleanupServiceOptions } = {},
): CleanupService {
  return assembleCleanupService(resolveServiceOptions(extra.options ?? {}), {
    store,
    journal: extra.journal ?? new MemoryJournal(),
    ...(extra.policies === undefined ? {} : { policies: extra.policies }),
  });
}

/** A policy that holds the run until `open()` is called: a real plugin, used to pin a run mid-way. */
export function gatePolicy(name = 'gate'): { registration: PolicyRegistration; open: () => void; reached: Promise<void> } {
  let open!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reachedP = new Promise<void>((resolve) => (reached = resolve));
  const policy: Policy = {
    name,
    plan: (): Observable<Decision> =>
      defer(() => {
        reached();
        return gate;
      }).pipe(mergeMap(() => EMPTY)),
  };
  return { registration: { policy, order: 150 }, open, reached: reachedP };
}

/**
 * Policies `paced-0` … `paced-<n-1>`, each deleting its own files `paced-<p>-<i>.bin` a few
 * milliseconds apart. The kernel journals a policy's events when it finishes, so many small
 * policies make a long run that publishes events all along.
 */
export function pacedPolicies(policies: number, perPolicy: number, everyMs = 1): PolicyRegistration[] {
  return Array.from({ length: policies }, (_, p) => ({
    policy: {
      name: `paced-${p}`,
      plan: () =>
        interval(everyMs).pipe(
          take(perPolicy),
          map((i): Decision => ({ kind: 'delete', target: { kind: 'file', path: `paced-${p}-${i}.bin` }, reason: 'paced', bytes: 10 })),
        ),
    } satisfies Policy,
    order: 250 + p,
  }));
}

/** Files for {@link pacedPolicies}. */
export function pacedFiles(policies: number, perPolicy: number): MemoryFile[] {
  const out: MemoryFile[] = [];
  for (let p = 0; p < policies; p++) for (let i = 0; i < perPolicy; i++) out.push({ key: `paced-${p}-${i}.bin`, size: 10, mtimeMs: Date.now() });
  return out;
}

/** A Fastify app with the plugin, listening on a loopback port. */
export interface Served {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly service: CleanupService;
  close(): Promise<void>;
}

/** Starts a real server on 127.0.0.1 with the plugin registered (rate limits off unless given). */
export async function serve(
  service: CleanupService,
  options: Omit<CleanupRoutesOptions, 'service'> = {},
  setup?: (app: FastifyInstance) => Promise<void> | void,
): Promise<Served> {
  // fetch (undici) may leave a spare connection that never sends a request; without this,
  // close() waits for it until the server's headers timeout.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await setup?.(app);
  await app.register(cleanupRoutes, { rateLimit: false, ...options, service });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    service,
    async close() {
      await app.close();
      await service.close();
    },
  };
}

/** Every journaled event of a service. */
export async function journalEvents(service: CleanupService, fromSeq = 1): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  for await (const event of service.readEvents(fromSeq)) out.push(event);
  return out;
}

/** One parsed server-sent event. */
export interface SseMessage {
  readonly id: string | null;
  readonly data: string;
}

/**
 * Reads server-sent events from `url` until `until` returns true (or the stream ends), then
 * aborts the connection. Parses the wire format by hand, as a client would.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; until: (messages: readonly SseMessage[], comments: readonly string[]) => boolean; onOpen?: () => void },
): Promise<{ messages: SseMessage[]; comments: string[]; status: number; headers: Headers; ended: boolean }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  if (response.status !== 200 || response.body === null) {
    await response.body?.cancel();
    return { messages, comments, status: response.status, headers: response.headers, ended: true };
  }
  options.onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  let ended = false;
  try {
    outer: for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      pending += value;
      let cut: number;
      while ((cut = pending.indexOf('\n\n')) >= 0) {
        const block = pending.slice(0, cut);
        pending = pending.slice(cut + 2);
        let id: string | null = null;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) messages.push({ id, data: data.join('\n') });
        if (options.until(messages, comments)) break outer;
      }
    }
  } finally {
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
  return { messages, comments, status: response.status, headers: response.headers, ended };
}

/** Parses a message's data as a domain event. */
export const eventOf = (message: SseMessage): DomainEvent => JSON.parse(message.data) as DomainEvent;
