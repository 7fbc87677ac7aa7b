/**
 * The L2 epoch rules against a real (private) Redis: records of another
 * epoch are misses, a fill that read before an advance is refused after it,
 * and a write-through whose writer knew an older epoch becomes a fence.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogCache, redisL2 } from '../../src/cache/index.js';
import { decodeRecord } from '../../src/cache/index.js';
import type { CachePolicy } from '../../src/cache/index.js';
import type { RedisGate } from '../../src/redis/redis-client.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { redisGate } from '../helpers/redis-gate.js';
import { waitFor } from '../helpers/eventually.js';

const policy: CachePolicy = {
  type: 'Product',
  ttlMs: 60_000,
  l1TtlMs: 30_000,
  graceMs: 0,
  maxStaleMs: 0,
  negativeTtlMs: 5_000,
  strict: true,
};
let redis: RedisServer;
let gate: RedisGate;
let inspect: Redis;

beforeAll(async () => {
  redis = await startRedisServer();
  gate = redisGate(redis.url, { name: 'epoch-test' });
  await waitFor(() => gate.available);
  inspect = new Redis(redis.url);
});

afterAll(async () => {
  inspect.disconnect();
  gate.client.disconnect();
  await redis.dispose();
});

function cache(prefix: string): CatalogCache {
  return new CatalogCache({
    mode: 'l1+l2',
    prefix,
    l1MaxEntries: 100,
    l1MaxBytes: 1 << 20,
    l2: redisL2(gate),
  });
}

describe('L2 epoch', () => {
  it('a record of an older epoch reads as a miss, and a fill that read before the advance is refused', async () => {
    const c = cache(`ep${Date.now()}`);
    await c.entities.loadMany('Product', policy, [1], async () => [{ id: 1, version: 1 }]);
    // A slow load reads the epoch and the database before another instance advances the epoch.
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const slow = c.entities.loadMany('Product', policy, [2], async () => {
      await stalled;
      return [{ id: 2, version: 1 }];
    });
    await new Promise((r) => setTimeout(r, 50));
    await inspect.incr(c.keys.epoch());
    release();
    await slow;
    expect(await inspect.get(c.keys.entity('Product', 2))).toBeNull();
    let loads = 0;
    const again = await c.entities.loadMany('Product', policy, [1], async () => {
      loads++;
      return [{ id: 1, version: 1 }];
    });
    expect(loads).toBe(1);
    expect(again).toEqual([{ id: 1, version: 1 }]);
  });

  it('a write-through whose writer knew an older epoch stores a fence, never the value', async () => {
    const c = cache(`wt${Date.now()}`);
    await c.entities.loadMany('Product', policy, [3], async () => [{ id: 3, version: 1 }]);
    const before = c.l2.knownEpoch!;
    await inspect.incr(c.keys.epoch());
    await c.entities.store(
      'Product',
      policy,
      [{ id: 3, version: 2, value: { id: 3, version: 2 } }],
      before,
    );
    const record = decodeRecord((await inspect.getBuffer(c.keys.entity('Product', 3)))!);
    expect(record).toMatchObject({ version: 2, kind: 'invalidated', epoch: before + 1 });
    // Under the current epoch the value is written through.
    await c.entities.store(
      'Product',
      policy,
      [{ id: 3, version: 3, value: { id: 3, version: 3 } }],
      before + 1,
    );
    expect(decodeRecord((await inspect.getBuffer(c.keys.entity('Product', 3)))!)).toMatchObject({
      version: 3,
      kind: 'present',
    });
  });
});
