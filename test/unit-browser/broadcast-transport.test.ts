import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroadcastTransport, type BroadcastTransport } from '../../src/transports/broadcast/index.js';
import type { DomainEvent } from '../../src/kernel/index.js';
import { uniqueName } from './support/seed-sessions.js';

const opened: BroadcastTransport[] = [];
afterEach(() => opened.splice(0).forEach((t) => t.close()));

function open(channelName: string, onInvalid?: (reason: string) => void): BroadcastTransport {
  const transport = createBroadcastTransport({ channelName, ...(onInvalid === undefined ? {} : { onInvalid }) });
  opened.push(transport);
  return transport;
}

const event = (seq: number): DomainEvent => ({
  type: 'PolicySuspended',
  v: 1,
  seq,
  at: '2026-01-01T00:00:00.000Z',
  data: { policy: 'emergency', reason: 'test' },
});

describe('BroadcastChannel transport', () => {
  it('delivers events to other transports on the channel, in order, not back to the sender', async () => {
    const name = uniqueName('channel');
    const a = open(name);
    const b = open(name);
    const ownEcho = firstValueFrom(a.events$.pipe(take(1), toArray()), { defaultValue: [] });
    const received = firstValueFrom(b.events$.pipe(take(3), toArray()));
    a.publish(event(1));
    a.publish(event(2));
    a.publish(event(3));
    expect((await received).map((e) => e.seq)).toEqual([1, 2, 3]);
    a.close();
    expect(await ownEcho).toEqual([]);
  });

  it('drops messages that are not valid reclaim events', async () => {
    const name = uniqueName('channel-bad');
    const invalid: string[] = [];
    const b = open(name, (reason) => invalid.push(reason));
    const received = firstValueFrom(b.events$.pipe(take(1)));
    const raw = new BroadcastChannel(name);
    raw.postMessage('hello');
    raw.postMessage({ source: 'reclaim', v: 1, sender: 'x', event: { type: 'RunStarted', seq: -1 } });
    raw.postMessage({ source: 'reclaim', v: 1, sender: 'x', event: event(7) });
    expect((await received).seq).toBe(7);
    raw.close();
    expect(invalid).toHaveLength(1);
  });
});
