/**
 * Promise 1 (no stale set) and read-after-write on the read path, and the
 * API's behaviour with Redis gone and back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogCache, redisL2 } from '../../src/cache/index.js';
import type { CachePolicy } from '../../src/cache/index.js';
import { ADMIN } from '../helpers/fixture.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { deleteKeys } from '../helpers/redis-cleanup.js';
import { signIn, startTestApp, testPrefix, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';
import { REDIS_URL } from '../helpers/env.js';
import { redisGate } from '../helpers/redis-gate.js';
import { waitFor } from '../helpers/eventually.js';
import { type FixtureApp, startFixtureApp } from '../helpers/fixture-app.js';

let db: TestDatabase;
let t: TestApp;
let fixture: FixtureApp;
let admin: Record<string, string>;

beforeAll(async () => {
  fixture = await startFixtureApp();
  ({ db, t } = fixture);
  admin = await signIn(t, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await fixture.close();
});

const policy: CachePolicy = {
  type: 'Product',
  ttlMs: 60_000,
  l1TtlMs: 30_000,
  graceMs: 0,
  maxStaleMs: 0,
  negativeTtlMs: 5_000,
  strict: false,
};

describe('no stale set', () => {
  it('a fill that read an old row never overwrites the newer version, in L2 or L1', async () => {
    const gate = redisGate(REDIS_URL);
    await new Promise((r) => setTimeout(r, 100));
    const prefix = testPrefix();
    const slow = new CatalogCache({
      mode: 'l1+l2',
      prefix,
      l1MaxEntries: 1000,
      l1MaxBytes: 1 << 20,
      l2: redisL2(gate),
    });
    const writer = new CatalogCache({
      mode: 'l1+l2',
      prefix,
      l1MaxEntries: 1000,
      l1MaxBytes: 1 << 20,
      l2: redisL2(gate),
    });

    // The slow reader reads version N from the database, then stalls before filling.
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const [oldRow] = await sql<{ id: number; version: number; name: string }>(
      db.url,
      'SELECT id, version, name FROM "Product" WHERE id = 7',
    );
    const slowLoad = slow.entities.loadMany('Product', policy, [7], async () => {
      await stalled;
      return [oldRow!];
    });

    // Meanwhile an update commits and is written through at version N+1 (the
    // writer has read L2 before, so it knows the epoch its write-through needs).
    await writer.entities.loadMany('Product', policy, [8], async () => []);
    const [newRow] = await sql<{ id: number; version: number; name: string }>(
      db.url,
      `UPDATE "Product" SET name = 'Renamed' WHERE id = 7 RETURNING id, version, name`,
    );
    expect(newRow!.version).toBe(oldRow!.version + 1);
    await writer.entities.store('Product', policy, [
      { id: 7, version: newRow!.version, value: newRow },
    ]);

    release();
    expect(await slowLoad).toEqual([oldRow]);

    // A fresh reader on a third instance, and the slow one's own L1, see N+1.
    const fresh = new CatalogCache({
      mode: 'l2',
      prefix,
      l1MaxEntries: 1000,
      l1MaxBytes: 1 << 20,
      l2: redisL2(gate),
    });
    const fromL2 = await fresh.entities.loadMany('Product', policy, [7], async () => {
      throw new Error('must be served from L2');
    });
    expect(fromL2[0]).toMatchObject({ version: newRow!.version, name: 'Renamed' });
    expect(slow.l1.get(slow.keys.entity('Product', 7))).toBeUndefined();
    gate.client.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  });
});

describe('strict types', () => {
  it('skip L1, so every read sees L2 and no instance can lag', async () => {
    const gate = redisGate(REDIS_URL, { name: 'strict' });
    await waitFor(() => gate.available);
    const prefix = testPrefix();
    const cache = new CatalogCache({
      mode: 'l1+l2',
      prefix,
      l1MaxEntries: 100,
      l1MaxBytes: 1 << 20,
      l2: redisL2(gate),
    });
    const strict = { ...policy, strict: true };
    const row = { id: 1, version: 1, name: 'x' };
    await cache.entities.loadMany('Product', strict, [1], async () => [row]);
    expect(cache.l1.get(cache.keys.entity('Product', 1))).toBeUndefined();
    await cache.entities.loadMany('Product', policy, [2], async () => [{ ...row, id: 2 }]);
    expect(cache.l1.get(cache.keys.entity('Product', 2))).toBeDefined();
    gate.client.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  });
});

describe('read after write', () => {
  it('an update through the API is visible to the next read, entity and list', async () => {
    const query =
      '{ product(id: "5") { name version } category(id: "1") { products(first: 100) { edges { node { id } } } } }';
    const before = await t.query<{ product: { name: string; version: number } }>(query);
    await t.query(query); // warm L1 and L2
    const upd = await t.query(
      'mutation { updateProduct(id: "5", input: { name: "New name", categoryId: "1" }) { version } }',
      {},
      admin,
    );
    expect(upd.body.errors).toBeUndefined();
    const after = await t.query<{
      product: { name: string; version: number };
      category: { products: { edges: Array<{ node: { id: string } }> } };
    }>(query);
    expect(after.body.data!.product).toEqual({
      name: 'New name',
      version: before.body.data!.product.version + 1,
    });
    expect(after.body.data!.category.products.edges.map((e) => e.node.id)).toContain('5');
  });

  it('a created review shows in the product reviews, count and average at once', async () => {
    const q = '{ product(id: "9") { reviewCount reviews(first: 1) { body } } }';
    const before = await t.query<{ product: { reviewCount: number } }>(q);
    await t.query(q);
    const customer = await signIn(t, 'customer@test.local', 'customer-password-1');
    await t.query(
      'mutation { addReview(input: { productId: "9", rating: 5, body: "Fresh review" }) { id } }',
      {},
      customer,
    );
    const after = await t.query<{
      product: { reviewCount: number; reviews: Array<{ body: string }> };
    }>(q);
    expect(after.body.data!.product.reviewCount).toBe(before.body.data!.product.reviewCount + 1);
    expect(after.body.data!.product.reviews[0]!.body).toBe('Fresh review');
  });

  it('a product created through the API joins its category list and the total at once', async () => {
    const q = '{ products(first: 100, categoryId: "4") { totalCount edges { node { sku } } } }';
    const before = await t.query<{ products: { totalCount: number } }>(q);
    await t.query(q);
    const created = await t.query(
      'mutation { createProduct(input: { sku: "API-1", name: "Via API", description: "", priceCents: 5, stock: 1, categoryId: "4" }) { id sku } }',
      {},
      admin,
    );
    expect(created.body.errors).toBeUndefined();
    const after = await t.query<{
      products: { totalCount: number; edges: Array<{ node: { sku: string } }> };
    }>(q);
    expect(after.body.data!.products.totalCount).toBe(before.body.data!.products.totalCount + 1);
    expect(after.body.data!.products.edges.map((e) => e.node.sku)).toContain('API-1');
  });

  it('a cached "not found" is dropped by the create that makes it found', async () => {
    // nextval takes one id; the create below gets the one after it.
    const next =
      Number(
        (await sql<{ id: string }>(db.url, `SELECT nextval('"Category_id_seq"') AS id`))[0]!.id,
      ) + 1;
    const q = `{ category(id: "${next}") { name } }`;
    expect((await t.query(q)).body.data).toEqual({ category: null });
    await t.query(
      'mutation { createCategory(input: { slug: "brand-new", name: "Brand new" }) { id } }',
      {},
      admin,
    );
    expect((await t.query(q)).body.data).toEqual({ category: { name: 'Brand new' } });
  });
});

describe('Redis is never the source of truth', () => {
  it('keeps answering without Redis, then picks Redis up when it starts', async () => {
    const redis = await startRedisServer();
    await redis.stop();
    const a = await startTestApp({
      databaseUrl: db.url,
      env: { REDIS_URL: redis.url },
      waitForRedis: false,
    });
    try {
      const q = '{ product(id: "2") { name } }';
      const down = await a.query<{ product: { name: string } }>(q);
      expect(down.body.data!.product.name).toBe('Product 2');
      expect((down.body.extensions!.stats as { redisRoundTrips: number }).redisRoundTrips).toBe(0);
      await redis.start();
      await waitFor(() => a.app.redis.available, { intervalMs: 50 });
      expect(a.app.redis.available).toBe(true);
      a.app.cache.flushLocal();
      const up = await a.query(q);
      expect(
        (up.body.extensions!.stats as { redisRoundTrips: number }).redisRoundTrips,
      ).toBeGreaterThan(0);
    } finally {
      await a.close();
      await redis.stop();
    }
  });

  it('answers from PostgreSQL, without waiting, while Redis is paused', async () => {
    const redis = await startRedisServer();
    const a = await startTestApp({
      databaseUrl: db.url,
      env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '100' },
    });
    try {
      redis.pause();
      for (let id = 20; id < 25; id++) {
        const res = await a.query<{ product: { name: string } }>(
          `{ product(id: "${id}") { name } }`,
        );
        expect(res.body.data!.product.name).toBe(`Product ${id}`);
      }
      expect(a.app.redis.breaker.state).not.toBe('closed');
    } finally {
      redis.resume();
      await a.close();
      await redis.stop();
    }
  });
});
