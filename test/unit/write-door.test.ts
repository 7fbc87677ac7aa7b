/**
 * The cache's one write door (CatalogCache.apply) and the bus it owns, with
 * no services: two instances share an in-memory L2 driver (as they would
 * share Redis) and an in-memory hub (as they would share pub/sub).
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { waitFor } from '../helpers/eventually.js';
import {
  CatalogCache,
  type CachePolicy,
  type CollectionId,
  type CommittedBatch,
  MemoryHub,
  MemoryL2Driver,
  memoryL2,
} from '../../src/cache/index.js';

const policy: CachePolicy = {
  type: 'Product',
  ttlMs: 60_000,
  l1TtlMs: 30_000,
  graceMs: 0,
  maxStaleMs: 0,
  negativeTtlMs: 5_000,
  strict: false,
};
const policies = new Map([['Product', policy]]);

function instances(
  options: {
    project?: (model: string, row: Record<string, unknown>) => Record<string, unknown>;
  } = {},
) {
  const clock = { now: 1_800_000_000_000 };
  const driver = new MemoryL2Driver({ now: () => clock.now });
  const hub = new MemoryHub();
  let ids = 0;
  const make = () =>
    new CatalogCache({
      mode: 'l1+l2',
      prefix: 'unit',
      l1MaxEntries: 100,
      l1MaxBytes: 1 << 20,
      l2: memoryL2(driver),
      transport: hub.transport(),
      policies,
      project: options.project,
      now: () => clock.now,
      random: () => 0.5,
      newId: () => `instance-${++ids}`,
    });
  return { a: make(), b: make(), driver, hub, clock };
}

const row = (id: number, version: number, name: string) => ({ id, version, name });
const load = (cache: CatalogCache, id: number, rows: Array<ReturnType<typeof row>>) => {
  let calls = 0;
  const result = cache.entities.loadMany('Product', policy, [id], async () => {
    calls++;
    return rows;
  });
  return result.then((values) => ({ value: values[0], calls }));
};
const settle = () => new Promise((r) => setTimeout(r, 0));
/** A committed write of one product, as the extension hands it over. */
const written = (id: number, version: number, name: string, collections: CollectionId[] = []) =>
  ({
    changes: [{ model: 'Product', id, version, row: row(id, version, name) }],
    collections,
    origin: 'write',
  }) satisfies CommittedBatch;
/** A change of one product as the change feed reports it: keys only. */
const feedChange = (id: number, version: number, collections: CollectionId[] = []) =>
  ({
    changes: [{ model: 'Product', id, version, row: undefined }],
    collections,
    origin: 'feed',
  }) satisfies CommittedBatch;

/**
 * Two instances with L2's writes and bumps spied on (before the instances
 * exist: the L2 store binds the driver's methods); `a` has read product
 * `id` at version 1, so it has checked L2 and its writes reach it.
 */
async function spied(id: number) {
  const writes = vi.spyOn(MemoryL2Driver.prototype, 'writeEntities');
  const bumps = vi.spyOn(MemoryL2Driver.prototype, 'bumpCollections');
  onTestFinished(() => void vi.restoreAllMocks());
  const made = instances();
  await load(made.a, id, [row(id, 1, 'old')]);
  await load(made.b, id, []);
  writes.mockClear();
  bumps.mockClear();
  return { ...made, writes, bumps };
}

describe('the write door', () => {
  it('writes a committed row through to L2 and L1, and the other instance drops its older L1 copy', async () => {
    const { a, b } = instances();
    expect((await load(a, 1, [row(1, 1, 'old')])).calls).toBe(1);
    expect((await load(b, 1, [])).value).toMatchObject({ version: 1, name: 'old' });
    expect(b.l1.get(b.keys.entity('Product', 1))?.version).toBe(1);

    const batch: CommittedBatch = {
      changes: [{ model: 'Product', id: 1, version: 2, row: row(1, 2, 'new') }],
      collections: [],
      origin: 'write',
    };
    await a.apply(batch);
    await settle();

    expect(a.l1.get(a.keys.entity('Product', 1))?.value).toMatchObject({ version: 2, name: 'new' });
    expect(b.l1.get(b.keys.entity('Product', 1))).toBeUndefined();
    // B reads the new version from the shared L2 without loading.
    expect(await load(b, 1, [])).toEqual({
      value: expect.objectContaining({ version: 2, name: 'new' }),
      calls: 0,
    });
  });

  it('a fill that read an older row never overwrites the version written through', async () => {
    const { a, b } = instances();
    await load(a, 1, [row(1, 1, 'seed')]);
    await a.apply({
      changes: [{ model: 'Product', id: 1, version: 3, row: row(1, 3, 'v3') }],
      collections: [],
      origin: 'write',
    });
    b.l1.clear();
    // B's load (a miss in its L1) finds v3 in L2; a stale v1 from the database would be refused anyway.
    expect((await load(b, 1, [row(1, 1, 'stale')])).value).toMatchObject({ version: 3 });
  });

  it('projects rows to their cacheable shape before they enter either tier', async () => {
    const { a, b } = instances({
      project: (_model, r) => ({ id: r.id, version: r.version, name: r.name }),
    });
    await load(a, 5, [row(5, 1, 'x')]);
    await a.apply({
      changes: [{ model: 'Product', id: 5, version: 2, row: { ...row(5, 2, 'y'), secret: 's' } }],
      collections: [],
      origin: 'write',
    });
    expect(a.l1.get(a.keys.entity('Product', 5))?.value).toEqual(row(5, 2, 'y'));
    expect((await load(b, 5, [])).value).toEqual(row(5, 2, 'y'));
  });

  it('a partly known change fences the row: every instance reloads it', async () => {
    const { a, b } = instances();
    await load(a, 2, [row(2, 1, 'x')]);
    await load(b, 2, []);
    await a.apply({
      changes: [{ model: 'Product', id: 2, version: 2 }],
      collections: [],
      origin: 'write',
    });
    await settle();
    expect(a.l1.get(a.keys.entity('Product', 2))).toBeUndefined();
    expect(b.l1.get(b.keys.entity('Product', 2))).toBeUndefined();
    expect(await load(b, 2, [row(2, 2, 'reloaded')])).toEqual({
      value: row(2, 2, 'reloaded'),
      calls: 1,
    });
  });

  it('a delete becomes a versioned "not found"', async () => {
    const { a, b } = instances();
    await load(a, 3, [row(3, 1, 'x')]);
    await a.apply({
      changes: [{ model: 'Product', id: 3, version: 2, row: null }],
      collections: [],
      origin: 'write',
    });
    expect(await load(b, 3, [row(3, 1, 'resurrected?')])).toEqual({ value: null, calls: 0 });
  });

  it('bumps collections, and the other instance stops serving its L1 copy of them', async () => {
    const { a, b } = instances();
    const ref = { collection: { model: 'Product', field: 'categoryId', value: 1 }, params: 'all' };
    const list = (cache: CatalogCache, ids: number[]) =>
      cache.collections.loadMany(policy, [ref], async () => [ids]);
    expect(await list(a, [1, 2])).toEqual([[1, 2]]);
    expect(await list(b, [9])).toEqual([[1, 2]]);
    await a.apply({ changes: [], collections: [ref.collection], origin: 'write' });
    await settle();
    expect(await list(b, [1, 2, 3])).toEqual([[1, 2, 3]]);
    expect(await list(a, [9])).toEqual([[1, 2, 3]]);
  });

  it('a batch from the change feed is applied but not published (every instance receives the feed itself)', async () => {
    const { a, b } = instances();
    await load(a, 4, [row(4, 1, 'x')]);
    await load(b, 4, []);
    await a.apply({
      changes: [{ model: 'Product', id: 4, version: 2 }],
      collections: [],
      origin: 'feed',
    });
    await settle();
    expect(a.l1.get(a.keys.entity('Product', 4))).toBeUndefined();
    expect(b.l1.get(b.keys.entity('Product', 4))?.version).toBe(1);
    await b.apply({
      changes: [{ model: 'Product', id: 4, version: 2 }],
      collections: [],
      origin: 'feed',
    });
    expect(b.l1.get(b.keys.entity('Product', 4))).toBeUndefined();
  });

  it('ignores models without a cache policy', async () => {
    const { a, driver } = instances();
    await a.apply({
      changes: [{ model: 'Order', id: 1, version: 1, row: { id: 1, version: 1 } }],
      collections: [],
      origin: 'write',
    });
    const { values } = await driver.read([a.keys.entity('Order', 1)], a.keys.epoch());
    expect(values).toEqual([null]);
  });

  it('lost changes (the feed reconnected) flush L1 and advance the epoch, and the others flush too', async () => {
    const { a, b } = instances();
    await load(a, 6, [row(6, 1, 'x')]);
    await load(b, 6, []);
    const before = a.knownEpoch!;
    a.changesLost('change-feed');
    expect(a.l1.entries).toBe(0);
    // Recovery runs in the background: the epoch advances, the others are told.
    expect(await waitFor(() => a.knownEpoch !== before)).toBe(true);
    expect(a.knownEpoch).toBeGreaterThan(before);
    await settle();
    expect(b.l1.entries).toBe(0);
    // A record of the old epoch is a miss for everyone.
    expect(await load(b, 6, [row(6, 1, 'x')])).toEqual({ value: row(6, 1, 'x'), calls: 1 });
  });

  it('a store that restarted empty is re-checked on reconnect: the epoch advances and older L1 copies go', async () => {
    const { a, b, driver, clock } = instances();
    await load(a, 7, [row(7, 1, 'x')]);
    await load(b, 7, []);
    const before = a.knownEpoch!;
    // Epochs are at least the clock: an empty store cannot bring an old one back.
    clock.now += 1000;
    driver.restart();
    expect(
      await waitFor(
        () => a.knownEpoch !== undefined && a.knownEpoch > before && b.knownEpoch === a.knownEpoch,
      ),
    ).toBe(true);
    expect(a.l1.entries + b.l1.entries).toBe(0);
    expect(await load(b, 7, [row(7, 1, 'x')])).toEqual({ value: row(7, 1, 'x'), calls: 1 });
  });

  it("skips the change feed's echo of its own write, and applies every other feed change", async () => {
    const { a, b, writes, bumps } = await spied(8);
    const category = { model: 'Product', field: 'categoryId', value: 3 };
    await a.apply(written(8, 2, 'new', [category]));
    expect([writes.mock.calls.length, bumps.mock.calls.length]).toEqual([1, 1]);
    // The feed reports the same commit: nothing left to do.
    const echo = feedChange(8, 2, [category]);
    await a.apply(echo);
    expect([writes.mock.calls.length, bumps.mock.calls.length]).toEqual([1, 1]);
    expect(a.l1.get(a.keys.entity('Product', 8))?.value).toMatchObject({ name: 'new' });
    // Another instance did not make the write: it applies the feed in full.
    await b.apply(echo);
    expect([writes.mock.calls.length, bumps.mock.calls.length]).toEqual([2, 2]);
    // A later change to the same row (another service's write) is fenced as usual.
    await a.apply(feedChange(8, 3, [category]));
    expect([writes.mock.calls.length, bumps.mock.calls.length]).toEqual([3, 3]);
    expect(a.l1.get(a.keys.entity('Product', 8))).toBeUndefined();
  });

  it('applies the echo in full when its own write-through did not reach L2', async () => {
    const { a, writes } = await spied(9);
    writes.mockRejectedValueOnce(new Error('L2 unreachable'));
    await a.apply(written(9, 4, 'x'));
    await a.apply(feedChange(9, 4));
    expect(writes).toHaveBeenCalledTimes(2);
    expect(writes.mock.calls[1]![1].map((w) => [w.key, w.version, w.fence])).toEqual([
      [a.keys.entity('Product', 9), 4, true],
    ]);
  });

  it('an echo that arrives while its write is still being applied waits for it, then skips', async () => {
    const { a, writes } = await spied(10);
    const write = a.apply(written(10, 2, 'new'));
    // The notification often beats the write-through's round trip.
    const echo = a.apply(feedChange(10, 2));
    await Promise.all([write, echo]);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(a.l1.get(a.keys.entity('Product', 10))?.value).toMatchObject({ name: 'new' });
  });

  it('an echo that beats its write to the door waits for the write announced before it ran', async () => {
    const { a, writes } = await spied(11);
    // The extension announces the update of row 11, then runs it...
    const done = a.writing('Product', 11);
    // ...the commit's notification arrives before the UPDATE's answer does...
    const echo = a.apply(feedChange(11, 2));
    await settle();
    expect(writes).not.toHaveBeenCalled();
    // ...then the answer: the write door writes the row through; the echo has nothing left to do.
    await a.apply(written(11, 2, 'new'));
    done();
    await echo;
    expect(writes).toHaveBeenCalledTimes(1);
    expect(a.l1.get(a.keys.entity('Product', 11))?.value).toMatchObject({ name: 'new' });

    // A write that failed ends its announcement: a later change of the row is applied in full.
    const failed = a.writing('Product', 11);
    const other = a.apply(feedChange(11, 3));
    failed();
    await other;
    expect(writes).toHaveBeenCalledTimes(2);
    expect(a.l1.get(a.keys.entity('Product', 11))).toBeUndefined();
  });
});
