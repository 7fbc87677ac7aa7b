/**
 * The cache's pure parts, with an injected clock: no sleeps.
 */
import { describe, expect, it } from 'vitest';
import { jsonCodec, msgpackCodec } from '../../src/cache/index.js';
import { CollectionFence } from '../../src/cache/index.js';
import { CacheKeys } from '../../src/cache/index.js';
import { L1Store } from '../../src/cache/index.js';
import { decodeRecord, encodeRecord } from '../../src/cache/index.js';
import { jitter } from '../../src/cache/index.js';
import { SingleFlight } from '../../src/cache/index.js';
import { CircuitBreaker } from '../../src/redis/circuit-breaker.js';

describe('L1 store', () => {
  it('serves an entry until its expiry and never after', () => {
    let now = 1000;
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 1 << 20, now: () => now });
    l1.set('k', { version: 1, value: 'a', expiresAt: 2000, size: 1 });
    now = 1999;
    expect(l1.get('k')?.value).toBe('a');
    now = 2000;
    expect(l1.get('k')).toBeUndefined();
  });

  it('never replaces a newer version with an older one', () => {
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 1 << 20, now: () => 0 });
    l1.set('k', { version: 5, value: 'new', expiresAt: 10, size: 1 });
    expect(l1.set('k', { version: 4, value: 'old', expiresAt: 10, size: 1 })).toBe(false);
    expect(l1.get('k')?.value).toBe('new');
  });

  it('drops only entries older than an invalidation', () => {
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 1 << 20, now: () => 0 });
    l1.set('k', { version: 5, value: 'v5', expiresAt: 10, size: 1 });
    l1.invalidate('k', 5);
    expect(l1.get('k')?.value).toBe('v5');
    l1.invalidate('k', 6);
    expect(l1.get('k')).toBeUndefined();
  });

  it('an invalidation at a version it does not hold leaves a floor: nothing older comes back, until it expires', () => {
    let now = 0;
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 1 << 20, now: () => now, floorTtlMs: 100 });
    l1.set('k', { version: 5, value: 'v5', expiresAt: 1000, size: 1 });
    expect(l1.floor('k')).toBeUndefined();
    l1.invalidate('k', 7);
    expect(l1.floor('k')).toBe(7);
    // A lower invalidation never lowers it; a fill older than it is refused.
    l1.invalidate('k', 6);
    expect(l1.floor('k')).toBe(7);
    expect(l1.set('k', { version: 6, value: 'v6', expiresAt: 1000, size: 1 })).toBe(false);
    expect(l1.get('k')).toBeUndefined();
    // The version it announced (or a newer one) is taken, and the floor is done.
    expect(l1.set('k', { version: 7, value: 'v7', expiresAt: 1000, size: 1 })).toBe(true);
    expect(l1.floor('k')).toBeUndefined();
    // An invalidation of what it holds, or older, leaves none.
    l1.invalidate('k', 7);
    expect(l1.floor('k')).toBeUndefined();
    expect(l1.get('k')?.value).toBe('v7');
    // A floor expires.
    l1.invalidate('j', 3);
    now = 99;
    expect(l1.floor('j')).toBe(3);
    now = 100;
    expect(l1.floor('j')).toBeUndefined();
    expect(l1.set('j', { version: 2, value: 'v2', expiresAt: 1000, size: 1 })).toBe(true);
  });

  it('keeps at most maxEntries floors', () => {
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 1 << 20, now: () => 0 });
    for (let i = 0; i < 100; i++) l1.invalidate(`k${i}`, 1);
    expect(Array.from({ length: 100 }, (_, i) => l1.floor(`k${i}`)).filter(Boolean)).toHaveLength(
      10,
    );
  });

  it('stays within its byte bound', () => {
    const l1 = new L1Store({ maxEntries: 1000, maxBytes: 10_000, now: () => 0 });
    for (let i = 0; i < 100; i++)
      l1.set(`k${i}`, { version: 1, value: i, expiresAt: 10, size: 500 });
    expect(l1.bytes).toBeLessThanOrEqual(10_000);
    expect(l1.entries).toBeLessThan(100);
  });
});

describe('keys', () => {
  const keys = new CacheKeys('app');
  it('carry the prefix, the shape version, the model and the id', () => {
    expect(keys.entity('Product', 42)).toBe('app:2:e:Product:42');
    expect(keys.collectionEntry({ model: 'Review', field: 'productId', value: 7 }, 'first=5')).toBe(
      'app:2:c:{Review:productId=7}:first=5',
    );
  });
  it('refuse ids and names that are not plain', () => {
    expect(() => keys.entity('Product', -1)).toThrow(RangeError);
    expect(() => keys.entity('Product', 1.5)).toThrow(RangeError);
    expect(() => keys.entity('Pro*duct', 1)).toThrow(RangeError);
    expect(() =>
      keys.collectionEntry({ model: 'Review', field: null, value: null }, 'a b\r\n'),
    ).toThrow(RangeError);
    expect(() => new CacheKeys('a:*')).toThrow(RangeError);
  });
  it('are built once per entity and stay right past the remembered ones', () => {
    const fresh = new CacheKeys('app', 8);
    const first = fresh.entity('Product', 42);
    expect(fresh.entity('Product', 42)).toBe(first);
    expect(fresh.entity('Category', 42)).not.toBe(first);
    // Past the per-model bound the memo starts over; keys stay what they were.
    for (let id = 1; id <= 20_000; id++) fresh.entity('Product', id);
    expect(fresh.entity('Product', 42)).toBe(first);
    expect(new CacheKeys('app', 8).entity('Product', 19_999)).toBe(fresh.entity('Product', 19_999));
    // A remembered id does not let a malformed one through.
    expect(() => fresh.entity('Product', 42.5)).toThrow(RangeError);
    expect(() => fresh.entity('Product', -42)).toThrow(RangeError);
  });
});

describe('L2 records', () => {
  it('round-trip version, expiry, epoch and kind', () => {
    const payload = Buffer.from([1, 2, 124, 3]);
    expect(decodeRecord(encodeRecord(7, 123, payload, 1764000000000))).toEqual({
      version: 7,
      softExpiresAt: 123,
      epoch: 1764000000000,
      kind: 'present',
      payload,
    });
    expect(decodeRecord(encodeRecord(0, 5, null))?.kind).toBe('absent');
    expect(decodeRecord(encodeRecord(3, 5, 'invalidated'))?.kind).toBe('invalidated');
  });
  it('are null when malformed', () => {
    for (const bad of ['', 'x', '1|2', 'a|2|p', '1|2|z', '|2|p', '1|2|3|z', '1|2||p', '1|2|p'])
      expect(decodeRecord(Buffer.from(bad))).toBeNull();
  });
});

describe('codecs', () => {
  const row = {
    id: 1,
    name: 'Ünïcode ✓',
    priceCents: 1999,
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    averageRating: null,
  };
  for (const codec of [msgpackCodec(), jsonCodec()]) {
    it(`${codec.name} keeps every field, Dates included`, () => {
      expect(codec.decode(codec.encode(row))).toEqual(row);
    });
    it(`${codec.name} throws on garbage, which callers treat as a miss`, () => {
      expect(() => codec.decode(Buffer.from([0xc1, 0xff, 0x00]))).toThrow();
    });
  }
});

describe('jitter', () => {
  it('stays within ±10%', () => {
    expect(jitter(1000, () => 0)).toBe(900);
    expect(jitter(1000, () => 0.999999)).toBe(1100);
  });
});

describe('collection fence', () => {
  it('invalidates entries loaded before an invalidation, not after', () => {
    const fence = new CollectionFence();
    const before = fence.stamp();
    fence.invalidate('Review:productId=1');
    const after = fence.stamp();
    expect(fence.isValid('Review:productId=1', before)).toBe(false);
    expect(fence.isValid('Review:productId=1', after)).toBe(true);
    expect(fence.isValid('Review:productId=2', before)).toBe(true);
  });
  it('forgetting a collection only invalidates more', () => {
    const fence = new CollectionFence(2);
    const old = fence.stamp();
    fence.invalidate('a');
    fence.invalidate('b');
    fence.invalidate('c'); // evicts 'a'
    expect(fence.isValid('a', old)).toBe(false);
    expect(fence.isValid('z', old)).toBe(false);
  });
});

describe('single flight', () => {
  it('shares one load among concurrent callers of a key', async () => {
    const flight = new SingleFlight<string>();
    let loads = 0;
    const load = async (keys: string[]) => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return keys.map((k) => k.toUpperCase());
    };
    const [a, b] = [flight.run(['x', 'y'], load), flight.run(['y', 'z'], load)];
    expect(await Promise.all([...a, ...b])).toEqual(['X', 'Y', 'Y', 'Z']);
    expect(loads).toBe(2);
    expect(flight.size).toBe(0);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after openMs, and closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 100, now: () => now });
    breaker.failure();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now = 100;
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false);
    breaker.success();
    expect(breaker.state).toBe('closed');
  });
});
