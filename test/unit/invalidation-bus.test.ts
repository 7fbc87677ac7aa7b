/**
 * The invalidation bus's protocol over the in-memory transport, with an
 * injected clock and ids: delivery to others only, drop of older entries,
 * flush on a sequence gap, a reconnect or an epoch message, delivery delay,
 * and messages carried by an L2 write (numbered when the write is sent,
 * published here when the write did not reach L2).
 */
import { describe, expect, it } from 'vitest';
import { type InvalidationTransport, InvalidationBus, MemoryHub } from '../../src/cache/index.js';

function busOn(
  hub: MemoryHub,
  id: string,
  clock: { now: number },
  events: string[],
  transport: InvalidationTransport = hub.transport(),
) {
  return new InvalidationBus({
    transport,
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

  describe('a message carried by an L2 write', () => {
    /** A hub transport that names a channel, as Redis does when L2 and the bus share one server. */
    function carrying(hub: MemoryHub) {
      const transport = hub.transport();
      const published: string[] = [];
      const wrapped: InvalidationTransport = {
        ...transport,
        channel: 'bus',
        publish: (message) => {
          published.push(message);
          return transport.publish(message);
        },
      };
      // What the write's script does with the message: publish it on the channel.
      const script = (text: string) => transport.publish(text);
      return { transport: wrapped, published, script };
    }

    /** Sender `a` (carrying), receiver `b` (`got`), and a's message k:1@2 to carry. */
    function sender() {
      const hub = new MemoryHub();
      const got: string[] = [];
      const { transport, published, script } = carrying(hub);
      const a = busOn(hub, 'a', { now: 0 }, [], transport);
      busOn(hub, 'b', { now: 0 }, got);
      const carried = a.carry([{ key: 'k:1', version: 2 }], [])!;
      return { a, got, published, script, carried };
    }

    it('is offered only when the transport names a channel', () => {
      const hub = new MemoryHub();
      expect(busOn(hub, 'a', { now: 0 }, []).carry([{ key: 'k:1', version: 1 }], [])).toBe(
        undefined,
      );
      const { transport } = carrying(hub);
      const a = busOn(hub, 'a', { now: 0 }, [], transport);
      expect(a.carry([{ key: 'k:1', version: 1 }], [])?.channel).toBe('bus');
      expect(a.carry([], [])).toBe(undefined);
    });

    it('is numbered when the write sends it, so messages published meanwhile leave no gap', async () => {
      const { a, got, published, script, carried } = sender();
      await a.publish([{ key: 'k:2', version: 5 }], []);
      await script(carried.text());
      expect(carried.text()).toBe(carried.text());
      expect(await carried.carried(true)).toBe(true);
      expect(published).toHaveLength(1);
      expect(got.filter((e) => !e.startsWith('delay'))).toEqual(['inv k:2@5 ', 'inv k:1@2 ']);
      expect(got.filter((e) => e.startsWith('delay'))).toEqual(['delay a#1 0', 'delay a#2 0']);
    });

    it('is published by the bus when the write never went out', async () => {
      const { got, published, carried } = sender();
      expect(await carried.carried(false)).toBe(true);
      expect(published).toHaveLength(1);
      expect(got).toEqual(['inv k:1@2 ', 'delay a#1 0']);
    });

    it('is published again, under its number, when the write went out but its answer did not come back; a receiver ignores the repeat', async () => {
      const { a, got, published, script, carried } = sender();
      await script(carried.text());
      expect(await carried.carried(false)).toBe(true);
      expect(published).toEqual([carried.text()]);
      await a.publish([{ key: 'k:1', version: 3 }], []);
      // Applied once, no gap flush, and the next message follows on.
      expect(got.filter((e) => !e.startsWith('delay'))).toEqual(['inv k:1@2 ', 'inv k:1@3 ']);
    });
  });
});
