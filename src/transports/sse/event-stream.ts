import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import type { DomainEvent } from '../../kernel/index.js';
import { formatSseComment, formatSseEvent, formatSseRetry } from './format.js';

/** Where a stream gets its events: the live stream and the journal (a `CleanupService` is one). */
export interface SseEventSource {
  /** Every domain event, live, after it was journaled. */
  readonly events$: Observable<DomainEvent>;
  /** Journaled events with `seq >= fromSeq`, in order. */
  readEvents(fromSeq: number): AsyncIterable<DomainEvent>;
}

/** Options of one event stream. */
export interface EventStreamOptions {
  /**
   * The last seq the client saw (`Last-Event-ID`): the stream first replays the journal from the
   * next seq, then goes live. `null` (the default) streams live events only.
   */
  readonly lastEventId?: number | null;
  /** Milliseconds between heartbeat comments. Default 15,000; 0 turns them off. */
  readonly heartbeatMs?: number;
  /** The reconnect delay sent to clients (`retry:`). Default 2,000 ms. */
  readonly retryMs?: number;
  /** Only these event types are sent (ids stay journal seqs, so resuming still works). */
  readonly types?: ReadonlySet<string> | null;
  /**
   * A live client that falls this many bytes behind is disconnected (it resumes with
   * `Last-Event-ID`) instead of growing the server's memory. Default 8 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Extra response headers (CORS, rate-limit headers a host already set). */
  readonly headers?: Readonly<Record<string, string | number | readonly string[]>>;
}

/** An open server-sent event stream. */
export interface EventStream {
  /** Resolves once the stream ended, whoever ended it. */
  readonly closed: Promise<void>;
  /** Events written so far. */
  readonly sent: number;
  /** The seq of the last event written (or skipped by the type filter); 0 before any. */
  readonly lastSeq: number;
  /** Ends the stream (the response is ended cleanly). Idempotent. */
  close(): void;
}

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_RETRY_MS = 2_000;
const DEFAULT_MAX_BUFFERED = 8 * 1_048_576;

/**
 * Streams domain events to one client as server-sent events over a Node response.
 *
 * Resuming never loses or repeats an event: the live stream is subscribed first into a buffer,
 * then the journal is replayed from `lastEventId + 1`, then the buffer is flushed skipping every
 * seq already sent, and from then on events go out as they come. Seqs only grow, so "skip what is
 * not above the last sent seq" is the whole dedupe rule. A compacted journal starts with its
 * `JournalCompacted` event, which tells a client that older events are gone.
 *
 * @example
 * const stream = openEventStream(res, service, { lastEventId: 41 });
 * await stream.closed;
 */
export function openEventStream(res: ServerResponse, source: SseEventSource, options: EventStreamOptions = {}): EventStream {
  const types = options.types ?? null;
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const resumeFrom = options.lastEventId ?? null;

  let lastSeq = resumeFrom ?? 0;
  let sent = 0;
  let ended = false;
  let replaying = resumeFrom !== null;
  let buffer: DomainEvent[] = [];
  let subscription: Subscription | null = null;
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const finish = (): void => {
    if (ended) return;
    ended = true;
    buffer = [];
    subscription?.unsubscribe();
    if (heartbeat !== null) clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
    resolveClosed();
  };

  /** Writes one event unless it was already sent; returns false when the socket is saturated. */
  const send = (event: DomainEvent): boolean => {
    if (ended || event.seq <= lastSeq) return true;
    lastSeq = event.seq;
    if (types !== null && !types.has(event.type)) return true;
    sent += 1;
    return res.write(formatSseEvent(event));
  };

  const sendLive = (event: DomainEvent): void => {
    if (replaying) {
      buffer.push(event);
      return;
    }
    send(event);
    // A client that cannot keep up is cut off rather than buffered without bound; it resumes.
    if (res.writableLength > maxBuffered) finish();
  };

  res.on('close', finish);
  res.writeHead(200, {
    ...(options.headers as Record<string, string | number | string[]> | undefined),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to.
    'x-accel-buffering': 'no',
  });
  res.write(formatSseRetry(options.retryMs ?? DEFAULT_RETRY_MS));
  res.write(formatSseComment('connected'));

  // Live first, so nothing published during the replay is missed.
  subscription = source.events$.subscribe({ next: sendLive, error: finish, complete: finish });
  if (heartbeatMs > 0) {
    heartbeat = setInterval(() => {
      if (!ended) res.write(formatSseComment(`heartbeat ${new Date().toISOString()}`));
    }, heartbeatMs);
    heartbeat.unref();
  }

  if (resumeFrom !== null && !ended) {
    void replay(resumeFrom + 1);
  }

  async function replay(fromSeq: number): Promise<void> {
    try {
      for await (const event of source.readEvents(fromSeq)) {
        if (ended) return;
        if (!send(event)) await drained();
      }
      // Synchronous from here on: no live event can slip in between the flush and the switch.
      const pending = buffer;
      buffer = [];
      replaying = false;
      for (const event of pending) send(event);
    } catch {
      // An unreadable journal ends this stream; the client retries and the server logs elsewhere.
      finish();
    }
  }

  function drained(): Promise<void> {
    return new Promise((resolve) => {
      if (ended) return resolve();
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  return {
    closed,
    get sent() {
      return sent;
    },
    get lastSeq() {
      return lastSeq;
    },
    close: finish,
  };
}
