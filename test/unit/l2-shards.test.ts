/**
 * The L2 tier on a sharded key layout (Redis Cluster, src/cache/l2-shards.ts),
 * over the in-memory driver with simulated servers: one round trip per
 * server a batch touches, and the per-shard epoch copies kept in agreement.
 */
import { describe, expect, it } from 'vitest';
import {
  CacheKeys,
  encodeRecord,
  L2Store,
  MemoryL2Driver,
  openGate,
} from '../../src/cache/index.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

function setup(nodes: number, shards = 16) {
  const driver = new MemoryL2Driver({ now: () => NOW, nodes });
  const keys = new CacheKeys('app', shards);
  let trips = 0;
  const store = new L2Store({
    driver,
    gate: openGate(),
    keys,
    now: () => NOW,
    onRoundTrip: () => trips++,
  });
  return { driver, keys, store, trips: () => trips, reset: () => (trips = 0) };
}

describe('L2 on sharded keys', () => {
  it('a batch of 24 entities costs one round trip per server holding them, and reads back what was filled', async () => {
    const { keys, store, trips, reset } = setup(3);
    const ids = Array.from({ length: 24 }, (_, i) => i + 1);
    const first = await store.read(ids.map((id) => keys.entity('Product', id)));
    expect(first).toBeDefined();
    expect(first!.values.every((v) => v === null)).toBe(true);
    const epoch = first!.epoch;
    expect(epoch).toBeGreaterThan(0);
    const fills = ids.map((id) => ({
      key: keys.entity('Product', id),
      version: 1,
      record: encodeRecord(1, NOW + HOUR, Buffer.from(`p${id}`), epoch),
      ttlMs: HOUR,
    }));
    expect(await store.fillEntities(fills, epoch)).toEqual(ids.map(() => true));
    reset();
    const warm = await store.read(ids.map((id) => keys.entity('Product', id)));
    expect(warm!.values.every((v) => v !== null)).toBe(true);
    expect(trips()).toBe(3);
  });

  it('without simulated servers a sharded batch is one round trip', async () => {
    const { keys, store, trips, reset } = setup(1);
    await store.read([keys.entity('Product', 1)]);
    reset();
    await store.read(Array.from({ length: 24 }, (_, i) => keys.entity('Product', i + 1)));
    expect(trips()).toBe(1);
  });

  it('an epoch copy above the others wins: the other copies are raised to it, and their records wait until then', async () => {
    const { driver, keys, store } = setup(3, 4);
    const key = keys.entity('Product', 1);
    const first = await store.read([key]);
    const epoch = first!.epoch;
    await store.fillEntities(
      [
        {
          key,
          version: 1,
          record: encodeRecord(1, NOW + HOUR, Buffer.from('p1'), epoch),
          ttlMs: HOUR,
        },
      ],
      epoch,
    );
    // Another shard's copy moved ahead (an advance half done elsewhere).
    const other = keys.epochKeys().find((k) => k !== keys.epochOf(key))!;
    await driver.raiseEpoch(other, epoch + 10);
    const seen = await store.read([
      key,
      keys.entity('Product', 2),
      keys.entity('Product', 3),
      keys.entity('Product', 4),
      keys.entity('Product', 5),
    ]);
    expect(seen!.epoch).toBe(epoch + 10);
    for (const copy of keys.epochKeys())
      expect((await driver.read([], copy)).epoch).toBe(epoch + 10);
    expect(store.knownEpoch).toBe(epoch + 10);
  });
});
