import { Observable, share, Subject, takeUntil } from 'rxjs';
import { checkEvent, type DomainEvent } from '../../kernel/index.js';

/** The envelope posted on the channel; other senders' messages are ignored. */
interface BroadcastMessage {
  readonly source: 'reclaim';
  /** Envelope version. */
  readonly v: 1;
  /** The posting transport, so several services in one page can tell their own messages. */
  readonly sender: string;
  readonly event: unknown;
}

/** Options of {@link createBroadcastTransport}. */
export interface BroadcastTransportOptions {
  /** The channel name; every tab of the origin using it shares events. Default `reclaim-events`. */
  readonly channelName?: string;
  /** Called with each message that is not a valid reclaim event (for diagnostics). */
  readonly onInvalid?: (reason: string) => void;
}

/**
 * Shares domain events with the other tabs (and workers) of the origin over a
 * `BroadcastChannel`. A transport: it adds nothing to the journal.
 */
export interface BroadcastTransport {
  readonly channelName: string;
  /** Events other tabs published, each checked against the event schemas first. */
  readonly events$: Observable<DomainEvent>;
  /** Posts one event to the other tabs. */
  publish(event: DomainEvent): void;
  /** Closes the channel and completes `events$`. Idempotent. */
  close(): void;
}

function isEnvelope(data: unknown): data is BroadcastMessage {
  return typeof data === 'object' && data !== null && (data as { source?: unknown }).source === 'reclaim' && (data as { v?: unknown }).v === 1;
}

function randomId(): string {
  const uuid = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID?.();
  return uuid ?? Math.random().toString(36).slice(2);
}

/**
 * Opens a BroadcastChannel transport. Messages from other tabs are untrusted: anything that is
 * not a valid event by `checkEvent` is dropped (and reported to `onInvalid`).
 *
 * @example
 * const transport = createBroadcastTransport({ channelName: 'reclaim-events' });
 * kernel.events$.subscribe((e) => transport.publish(e));
 * transport.events$.subscribe((e) => console.log('another tab:', e.type));
 */
export function createBroadcastTransport(options: BroadcastTransportOptions = {}): BroadcastTransport {
  const channelName = options.channelName ?? 'reclaim-events';
  const channel = new BroadcastChannel(channelName);
  const sender = randomId();
  const closed$ = new Subject<void>();
  let closed = false;
  const events$ = new Observable<DomainEvent>((subscriber) => {
    const onMessage = (message: MessageEvent<unknown>): void => {
      const data = message.data;
      if (!isEnvelope(data)) return;
      if (data.sender === sender) return;
      const check = checkEvent(data.event);
      if (check.ok) subscriber.next(check.event);
      else options.onInvalid?.(check.reason);
    };
    channel.addEventListener('message', onMessage as EventListener);
    return () => channel.removeEventListener('message', onMessage as EventListener);
  }).pipe(takeUntil(closed$), share());
  return {
    channelName,
    events$,
    publish(event) {
      if (closed) return;
      const message: BroadcastMessage = { source: 'reclaim', v: 1, sender, event };
      channel.postMessage(message);
    },
    close() {
      if (closed) return;
      closed = true;
      closed$.next();
      closed$.complete();
      channel.close();
    },
  };
}
