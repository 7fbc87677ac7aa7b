/**
 * The invalidation bus on its Redis pub/sub transport, on a real (private)
 * Redis: messages reach the other instances and not the sender; a lost
 * message (a sequence gap) or a reconnect flushes the receiver's L1. The
 * protocol alone, over the in-memory transport, is tested in
 * test/unit/invalidation-bus.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidationBus,
  type InvalidationTransport,
  redisTransport,
} from '../../src/cache/index.js';
import { createRedisClient } from '../../src/redis/redis-client.js';
import { waitFor } from '../helpers/eventually.js';
import { redisGate } from '../helpers/redis-gate.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

/** Wraps a transport so the test can lose the next published message on purpose. */
function lossy(transport: InvalidationTransport) {
  let dropNext = false;
  const wrapped: InvalidationTransport = {
    ...transport,
    publish: async (message) => {
      if (!dropNext) return transport.publish(message);
      dropNext = false;
      return true;
    },
  };
  return { transport: wrapped, dropNext: () => (dropNext = true) };
}

function bus(events: string[]) {
  const gate = redisGate(redis.url, { name: 'pub' });
  const subscriber = createRedisClient({ url: redis.url, commandTimeoutMs: 500, name: 'sub' });
  const { transport, dropNext } = lossy(
    redisTransport({ gate, subscriber, channel: 'test:invalidate' }),
  );
  const b = new InvalidationBus({
    transport,
    newId: randomUUID,
    now: Date.now,
    onInvalidate: (entities, collections) =>
      events.push(
        `inv ${entities.map((e) => `${e.key}@${e.version}`).join(',')} ${collections.join(',')}`,
      ),
    onFlush: (reason) => events.push(`flush ${reason}`),
  });
  const ready = async () => {
    expect(
      await waitFor(() => gate.available && subscriber.status === 'ready', { attempts: 200 }),
    ).toBe(true);
  };
  return { bus: b, gate, dropNext, ready };
}

async function until(check: () => boolean): Promise<void> {
  expect(await waitFor(check, { attempts: 200 })).toBe(true);
}

describe('invalidation bus on Redis pub/sub', () => {
  it('delivers (key, version) and collections to other instances, not to the sender', async () => {
    const sent: string[] = [];
    const got: string[] = [];
    const a = bus(sent);
    const b = bus(got);
    await a.ready();
    await b.ready();
    await new Promise((r) => setTimeout(r, 100)); // subscriptions settle
    expect(await a.bus.publish([{ key: 'k:1', version: 3 }], ['Review:productId=1'])).toBe(true);
    await until(() => got.length === 1);
    expect(got).toEqual(['inv k:1@3 Review:productId=1']);
    expect(sent).toEqual([]);
    a.bus.close();
    b.bus.close();
    a.gate.client.disconnect();
    b.gate.client.disconnect();
  });

  it('a gap in a sender sequence flushes the receiver', async () => {
    const got: string[] = [];
    const a = bus([]);
    const b = bus(got);
    await a.ready();
    await b.ready();
    await new Promise((r) => setTimeout(r, 100));
    await a.bus.publish([{ key: 'k:1', version: 1 }], []);
    a.dropNext(); // message 2 is lost on the way
    await a.bus.publish([{ key: 'k:1', version: 2 }], []);
    await a.bus.publish([{ key: 'k:1', version: 3 }], []);
    await until(() => got.length === 2);
    expect(got).toEqual(['inv k:1@1 ', 'flush gap']);
    a.bus.close();
    b.bus.close();
    a.gate.client.disconnect();
    b.gate.client.disconnect();
  });

  it('a subscriber that reconnects flushes its L1', async () => {
    const got: string[] = [];
    const b = bus(got);
    await b.ready();
    await new Promise((r) => setTimeout(r, 100));
    await redis.stop();
    await redis.start();
    await until(() => got.includes('flush reconnect'));
    b.bus.close();
    b.gate.client.disconnect();
  });
});
