/**
 * The invalidation bus's protocol over the in-memory transport, with an
 * injected clock and ids: delivery to others only, drop of older entries,
 * flush on a sequence gap, a reconnect or an epoch message, delivery delay.
 */
import { describe, expect, it } from 'vitest';
import { InvalidationBus, MemoryHub } from '../../src/cache/index.js';

function busOn(hub: MemoryHub, id: string, clock: { now: number }, events: string[]) {
  return new InvalidationBus({
    transport: hub.transport(),
    newId: () => id,
    now: () => clock.now,
    onInvalidate: (entities, collections) =>
      events.push(
        `inv ${entities.map((e) => `${e.key}@${e.version}`).join(',')} ${collections.join(',')}`,
      ),
    onFlush: (reason) => events.push(`flush ${reason}`),
    onReceived: (message, delayMs) => events.push(`delay ${message.i}#${message.s} ${delayMs}`),
  });
}

describe('invalidation bus protocol', () => {
  it('delivers to the other instances, not the sender, with the sender id and the delay on the injected clock', async () => {
    const hub = new MemoryHub();
    const clock = { now: 1000 };
    const sent: string[] = [];
    const got: string[] = [];
    const a = busOn(hub, 'a', clock, sent);
    busOn(hub, 'b', clock, got);
    expect(a.instanceId).toBe('a');
    const published = a.publish([{ key: 'k:1', version: 3 }], ['Review:productId=1']);
    clock.now = 1012;
    expect(await published).toBe(true);
    expect(got).toEqual(['inv k:1@3 Review:productId=1', 'delay a#1 12']);
    expect(sent).toEqual([]);
  });

  it('publishes nothing for an empty change', async () => {
    const hub = new MemoryHub();
    const got: string[] = [];
    const a = busOn(hub, 'a', { now: 0 }, []);
    busOn(hub, 'b', { now: 0 }, got);
    expect(await a.publish([], [])).toBe(true);
    expect(got).toEqual([]);
  });

  it('a lost message (a gap in the sequence) flushes the receiver instead of applying', async () => {
    const hub = new MemoryHub();
    const got: string[] = [];
    const a = busOn(hub, 'a', { now: 0 }, []);
    busOn(hub, 'b', { now: 0 }, got);
    await a.publish([{ key: 'k:1', version: 1 }], []);
    hub.drop();
    await a.publish([{ key: 'k:1', version: 2 }], []);
    await a.publish([{ key: 'k:1', version: 3 }], []);
    expect(got.filter((e) => !e.startsWith('delay'))).toEqual(['inv k:1@1 ', 'flush gap']);
  });

  it('a reconnect, or an epoch message, flushes', async () => {
    const hub = new MemoryHub();
    const got: string[] = [];
    const a = busOn(hub, 'a', { now: 0 }, []);
    busOn(hub, 'b', { now: 0 }, got);
    hub.reconnect();
    await a.publish([], [], true);
    expect(got).toEqual(['flush reconnect', 'flush epoch']);
  });
});
