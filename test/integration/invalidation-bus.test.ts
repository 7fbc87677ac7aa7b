/**
 * The invalidation bus on a real (private) Redis: messages reach the other
 * instances and drop only older L1 entries; a sequence gap or a reconnect
 * flushes the receiver's L1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidationBus } from '../../src/cache/invalidation-bus.js';
import { createRedisClient, RedisGate } from '../../src/redis/redis-client.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

function bus(events: string[]) {
  const client = (name: string) => createRedisClient({ url: redis.url, commandTimeoutMs: 500, name });
  const gate = new RedisGate(client('pub'));
  const b = new InvalidationBus({
    gate,
    subscriber: client('sub'),
    channel: 'test:invalidate',
    onInvalidate: (entities, collections) => events.push(`inv ${entities.map((e) => `${e.key}@${e.version}`).join(',')} ${collections.join(',')}`),
    onFlush: (reason) => events.push(`flush ${reason}`),
  });
  return { bus: b, gate };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('invalidation bus', () => {
  it('delivers (key, version) and collections to other instances, not to the sender', async () => {
    const sent: string[] = [];
    const got: string[] = [];
    const a = bus(sent);
    const b = bus(got);
    await until(() => a.gate.available && b.gate.available);
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
    await until(() => a.gate.available && b.gate.available);
    await new Promise((r) => setTimeout(r, 100));
    await a.bus.publish([{ key: 'k:1', version: 1 }], []);
    // Lose message 2: publish it somewhere nobody listens, by skipping its number.
    (a.bus as unknown as { sequence: number }).sequence++;
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
    await until(() => b.gate.available);
    await new Promise((r) => setTimeout(r, 100));
    await redis.stop();
    await redis.start();
    await until(() => got.includes('flush reconnect'));
    b.bus.close();
    b.gate.client.disconnect();
  });
});
