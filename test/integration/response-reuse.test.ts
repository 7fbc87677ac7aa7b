/**
 * Versioned response reuse (promise 9): a kept response is served again only
 * while everything it read is still the newest version this instance knows,
 * so it follows writes on this instance, invalidations from another one,
 * writes that bypass the API, and lost bus messages; it is never kept for
 * viewer-dependent operations or failed ones; and serving it still charges
 * its rate limits. Real PostgreSQL and Redis, two API instances.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { ADMIN, CUSTOMER, loadFixture } from '../helpers/fixture.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/test-db.js';

const PRODUCT = `query Product($id: ID!) { product(id: $id) { id name priceCents category { name } reviews(first: 3) { rating author { name } } reviewCount } }`;
const PAGE = `query Page { products(first: 5) { totalCount edges { node { id name priceCents } } } }`;
const UPDATE = `mutation($id: ID!, $p: Int!) { updateProduct(id: $id, input: { priceCents: $p }) { id priceCents } }`;

type ProductView = { product: { id: string; name: string; priceCents: number } | null };
type PageView = { products: { edges: Array<{ node: { id: string; priceCents: number } }> } };

let db: TestDatabase;
let redis: RedisServer;
let a: TestApp;
let b: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  // A private Redis: the test counts its script calls.
  redis = await startRedisServer();
  a = await startTestApp({ databaseUrl: db.url, env: { REDIS_URL: redis.url } });
  b = await startTestApp({ databaseUrl: db.url, prefix: a.prefix, env: { REDIS_URL: redis.url } });
  await loadFixture(a.app.prisma);
  admin = await signIn(a, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await a.close();
  await b.close();
  await redis.stop();
  await db.drop();
});

async function readProduct(t: TestApp, id: number) {
  const res = await t.query<ProductView>(PRODUCT, { id: String(id) });
  expect(res.body.errors).toBeUndefined();
  return {
    product: res.body.data!.product!,
    reuse: (res.body.extensions!.stats as { responseReuse: string }).responseReuse,
  };
}

/** Reads until the response is kept and then served again. */
async function keepAndHit(t: TestApp, id: number) {
  await readProduct(t, id);
  const second = await readProduct(t, id);
  if (second.reuse !== 'hit') expect((await readProduct(t, id)).reuse).toBe('hit');
}

describe('a reused response is as fresh as L1', () => {
  it('is served again without executing, byte for byte as executed', async () => {
    const first = await a.query(PRODUCT, { id: '1' });
    const second = await a.query(PRODUCT, { id: '1' });
    const third = await a.query(PRODUCT, { id: '1' });
    expect(
      [first, second, third].map(
        (r) => (r.body.extensions!.stats as { responseReuse: string }).responseReuse,
      ),
    ).toEqual(['stored', 'hit', 'hit']);
    expect(third.body.data).toEqual(first.body.data);
    expect(third.body.extensions!.stats).toMatchObject({
      sqlStatements: 0,
      redisRoundTrips: 0,
      l1Hits: 0,
    });
    // Another formatting of the same document executes once (its text is new), then shares the kept response.
    const reformatted = `query Product($id: ID!) {\n  product(id: $id) { id name priceCents category { name } reviews(first: 3) { rating author { name } } reviewCount }\n}`;
    expect((await a.query(reformatted, { id: '1' })).body.extensions!.stats).toMatchObject({
      responseReuse: 'stored',
    });
    expect((await a.query(reformatted, { id: '1' })).body.extensions!.stats).toMatchObject({
      responseReuse: 'hit',
    });
    expect(a.app.cache.responses!.entries).toBe(1);
  });

  it('is refused after a write on this instance', async () => {
    await keepAndHit(a, 2);
    const write = await a.query(UPDATE, { id: '2', p: 4242 }, admin);
    expect(write.body.errors).toBeUndefined();
    const after = await readProduct(a, 2);
    expect(after.product.priceCents).toBe(4242);
    expect(after.reuse).not.toBe('hit');
  });

  it('is refused after an invalidation from another instance', async () => {
    await keepAndHit(a, 3);
    const write = await b.query(UPDATE, { id: '3', p: 4343 }, admin);
    expect(write.body.errors).toBeUndefined();
    await eventually(async () => expect((await readProduct(a, 3)).product.priceCents).toBe(4343));
  });

  it('is refused after a write that bypasses the API (psql)', async () => {
    await keepAndHit(a, 4);
    await sql(db.url, `UPDATE "Product" SET "priceCents" = 4444 WHERE id = 4`);
    await eventually(async () => expect((await readProduct(a, 4)).product.priceCents).toBe(4444));
  });

  it('follows list changes: a page is refused after a product joins it', async () => {
    const page = async () => (await a.query<PageView>(PAGE)).body;
    await page();
    expect((await page()).extensions!.stats).toMatchObject({ responseReuse: 'hit' });
    await sql(db.url, `UPDATE "Product" SET "priceCents" = 4545 WHERE id = 5`);
    await eventually(async () =>
      expect(
        (await page()).data!.products.edges.find((e) => e.node.id === '5')!.node.priceCents,
      ).toBe(4545),
    );
  });

  it('is dropped entirely after a gap in the invalidation bus', async () => {
    await keepAndHit(a, 6);
    const publisher = new Redis(redis.url);
    try {
      // A sender whose sequence jumps from 1 to 3: messages were lost, nothing local can be trusted.
      for (const s of [1, 3]) {
        await publisher.publish(
          `${a.app.namespace}:invalidate`,
          JSON.stringify({ i: 'lost-sender', s, e: [], c: [], t: Date.now() }),
        );
      }
    } finally {
      publisher.disconnect();
    }
    await eventually(async () => expect(a.app.cache.responses?.entries).toBe(0));
    expect((await readProduct(a, 6)).reuse).not.toBe('hit');
  });
});

describe('what is never reused', () => {
  it('an operation selecting a @private field, with or without a viewer', async () => {
    const customer = await signIn(a, CUSTOMER.email, CUSTOMER.password);
    for (let i = 0; i < 3; i++) {
      const me = await a.query(`{ me { id name email } }`, {}, customer);
      expect(me.body.errors).toBeUndefined();
      expect(me.body.extensions!.stats).toMatchObject({ responseReuse: 'off' });
      const other = await a.query(
        `{ product(id: "1") { reviews(first: 1) { author { name email } } } }`,
      );
      expect(other.body.extensions!.stats).toMatchObject({ responseReuse: 'off' });
    }
  });

  it('a mutation, and a failed or partial result', async () => {
    for (let i = 0; i < 3; i++) {
      const bad = await a.query(PRODUCT, { id: 'not-an-id' });
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.body.extensions!.stats).toMatchObject({ responseReuse: 'miss' });
      const write = await a.query(UPDATE, { id: '7', p: 100 + i }, admin);
      expect(write.body.extensions!.stats).toMatchObject({ responseReuse: 'off' });
    }
  });

  it('responses of one viewer are served to another only when they select nothing private', async () => {
    const customer = await signIn(a, CUSTOMER.email, CUSTOMER.password);
    await readProduct(a, 8);
    // The same public query with a token: the same data, served from the kept response.
    const res = await a.query<ProductView>(PRODUCT, { id: '8' }, customer);
    expect(res.body.extensions!.stats).toMatchObject({ responseReuse: 'hit' });
  });
});

describe('rate limits on reused responses', () => {
  it('charges every @rateLimit check of the execution, in one round trip per request', async () => {
    const evalsha = async () => {
      const client = new Redis(redis.url);
      try {
        const info = await client.info('commandstats');
        return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
      } finally {
        client.disconnect();
      }
    };
    // `products` carries @rateLimit(by: [IP]); an alias makes it two checks.
    const query = `{ one: products(first: 2) { totalCount } two: products(first: 3) { totalCount } }`;
    await a.query(query);
    await a.query(query);
    const before = await evalsha();
    const hit = await a.query(query);
    expect(hit.body.extensions!.stats).toMatchObject({ responseReuse: 'hit', redisRoundTrips: 1 });
    expect((await evalsha()) - before).toBe(2);
  });
});
