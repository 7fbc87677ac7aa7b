/**
 * The slot arithmetic the cluster path groups by, and the settings that
 * choose a Redis deployment. No server needed.
 */
import { describe, expect, it } from 'vitest';
import { CacheKeys } from '../../src/cache/keys.js';
import { loadConfig } from '../../src/config/config.js';
import { keySlot } from '../../src/redis/slot-batches.js';

describe('key slots', () => {
  it('match Redis Cluster’s CRC16 slots, honouring hash tags', () => {
    // Values from CLUSTER KEYSLOT on redis-server 7.0.
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it('sharded cache keys: an entity, its lease and its epoch copy share a slot; collections keep theirs together', () => {
    const keys = new CacheKeys('app:db1', 64);
    const entity = keys.entity('Product', 42);
    expect(keySlot(keys.lease(entity))).toBe(keySlot(entity));
    expect(keySlot(keys.epochOf(entity))).toBe(keySlot(entity));
    const c = { model: 'Review', field: 'productId', value: 7 };
    const version = keys.collectionVersion(c);
    expect(keySlot(keys.collectionEntry(c, 'first=5'))).toBe(keySlot(version));
    expect(keySlot(keys.epochOf(version))).toBe(keySlot(version));
    expect(keys.collectionOfVersionKey(version)).toBe('Review:productId=7');
    expect(new Set(keys.epochKeys().map(keySlot)).size).toBeGreaterThan(50);
    // 100 products spread over many shards.
    expect(
      new Set(Array.from({ length: 100 }, (_, i) => keys.epochOf(keys.entity('Product', i)))).size,
    ).toBeGreaterThan(40);
  });

  it('unsharded keys keep the single-node layout', () => {
    const keys = new CacheKeys('app:db1');
    expect(keys.entity('Product', 1)).toBe('app:db1:2:e:Product:1');
    expect(keys.epochOf(keys.entity('Product', 1))).toBe(keys.epoch());
    expect(
      keys.collectionOfVersionKey(
        keys.collectionVersion({ model: 'Product', field: null, value: null }),
      ),
    ).toBe('Product:*');
  });
});

describe('Redis deployment settings', () => {
  it('standalone by default, Cluster from a node list (64 shards), Sentinel from sentinels and a master name', () => {
    expect(loadConfig({}).redis.topology).toEqual({
      mode: 'standalone',
      url: 'redis://127.0.0.1:6379',
    });
    const cluster = loadConfig({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001',
      REDIS_PASSWORD: 'pw',
    }).redis;
    expect(cluster.topology).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      password: 'pw',
      username: undefined,
    });
    expect(cluster.cacheShards).toBe(64);
    const sentinel = loadConfig({
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_SENTINEL_MASTER: 'catalog',
    }).redis;
    expect(sentinel.topology).toMatchObject({
      mode: 'sentinel',
      masterName: 'catalog',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
    });
    expect(sentinel.cacheShards).toBe(0);
  });

  it('refuses contradictory or incomplete settings, naming them, without printing passwords', () => {
    expect(() =>
      loadConfig({
        REDIS_CLUSTER_NODES: 'a:1',
        REDIS_SENTINELS: 'b:2',
        REDIS_SENTINEL_MASTER: 'm',
      }),
    ).toThrow(/REDIS_CLUSTER_NODES and REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_URL: 'redis://x:6379', REDIS_CLUSTER_NODES: 'a:1' })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES/,
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 'b:2' })).toThrow(/REDIS_SENTINEL_MASTER/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_CACHE_SHARDS: '0' })).toThrow(
      /REDIS_CACHE_SHARDS=0/,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'nohost' })).toThrow(
      /REDIS_CLUSTER_NODES="nohost": must be a comma-separated list of host:port/,
    );
    expect(() => loadConfig({ REDIS_PASSWORD: 'secret-pw' })).toThrow(
      /REDIS_PASSWORD and REDIS_USERNAME apply to Cluster and Sentinel/,
    );
    expect(() =>
      loadConfig({ REDIS_PASSWORD: 'secret-pw', REDIS_CLUSTER_NODES: 'bad' }),
    ).not.toThrow(/secret-pw/);
  });
});
