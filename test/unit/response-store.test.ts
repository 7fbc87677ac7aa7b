/**
 * The response store and read sets on their own: bounded in bytes under a key
 * space far larger than it holds, stale entries dropped on sight, and a read
 * set that saw one key at two versions is never reused.
 */
import { describe, expect, it } from 'vitest';
import { ReadSet } from '../../src/cache/index.js';
import { ResponseStore } from '../../src/cache/index.js';

const body = (i: number) => `{"data":{"product":{"id":"${i}","name":"${'x'.repeat(400)}"}}}\n`;

const entry = (version: number) => ({ version, value: { version }, expiresAt: Infinity, size: 10 });

function depsOf(i: number) {
  const reads = new ReadSet();
  reads.entity(`p:e:Product:${i}`, entry(1));
  reads.collection(`p:c:{Review:productId=${i}}:first=5`, `Review:productId=${i}`, entry(7));
  return reads.freeze();
}

describe('response store', () => {
  it('stays within its byte bound under a key space ten times larger than it holds', () => {
    const maxBytes = 256 * 1024;
    const store = new ResponseStore<null>({ maxBytes });
    const fits = Math.floor(maxBytes / (2 * body(1).length));
    for (let i = 0; i < fits * 10; i++) {
      store.set(`k${i}`, { body: body(i), deps: depsOf(i), extra: null });
      expect(store.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(store.entries).toBeLessThan(fits);
    expect(store.entries).toBeGreaterThan(fits / 4);
    // The most recent entries are the ones kept.
    expect(store.get(`k${fits * 10 - 1}`, () => true)).toBeDefined();
    expect(store.get('k0', () => true)).toBeUndefined();
  });

  it('drops an entry whose dependencies moved on, and counts it', () => {
    const store = new ResponseStore<null>({ maxBytes: 64 * 1024 });
    store.set('k', { body: body(1), deps: depsOf(1), extra: null });
    expect(store.get('k', () => true)?.body).toBe(body(1));
    expect(store.get('k', () => false)).toBeUndefined();
    expect(store.get('k', () => true)).toBeUndefined();
    expect(store.counts).toEqual({ hits: 1, misses: 2, invalidations: 1, stores: 1 });
  });

  it('refuses a byte bound too small to hold anything', () => {
    expect(() => new ResponseStore({ maxBytes: 10 })).toThrow(/maxBytes/);
  });
});

describe('read set', () => {
  it('keeps each key once with its entry, and collections with their names', () => {
    const reads = new ReadSet();
    const a = entry(3);
    const c = entry(9);
    reads.entity('a', a);
    reads.entity('a', a);
    reads.collection('c', 'Review:*', c);
    expect(reads.freeze()).toEqual({ entries: [a, c], collections: [null, 'Review:*'] });
    expect(reads.spoiled).toBeNull();
  });

  it('is spoiled by one key read from two entries', () => {
    const reads = new ReadSet();
    reads.entity('a', entry(3));
    reads.entity('a', entry(4));
    expect(reads.spoiled).toMatch(/two L1 entries/);
  });
});
