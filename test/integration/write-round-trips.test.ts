/**
 * What one write costs the cache in Redis round trips (redis_round_trips_total:
 * the write-through, and the collection bumps when the write can change a
 * list; the bus message travels on the transport, or in the write-through
 * itself when that is all the write needs), and that the change feed's echo
 * of the same write costs nothing more (src/cache/feed-echoes.ts), while a
 * `psql` write of the same row still reaches the cache through the feed.
 * Real PostgreSQL and Redis; Redis's MONITOR tells which commands a client
 * sent and which a script ran.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { ADMIN, loadFixture } from '../helpers/fixture.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/test-db.js';

const UPDATE = `mutation($id: ID!, $p: Int!) { updateProduct(id: $id, input: { priceCents: $p }) { id priceCents } }`;
const READ = `query($id: ID!) { product(id: $id) { id priceCents } }`;

let db: TestDatabase;
let redis: RedisServer;
let a: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startRedisServer();
  // Rate limits off: only the cache counts round trips.
  a = await startTestApp({
    databaseUrl: db.url,
    env: { REDIS_URL: redis.url, RATE_LIMIT_ENABLED: 'false' },
  });
  await loadFixture(a.app.prisma);
  admin = await signIn(a, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await a?.close();
  await redis?.stop();
  await db?.drop();
});

const trips = async () =>
  (await a.app.metrics.redisRoundTrips.get()).values.reduce((n, v) => n + v.value, 0);
const echoes = async () =>
  (await a.app.metrics.cacheFeedEchoes.get()).values.reduce((n, v) => n + v.value, 0);

describe('one write', () => {
  /** Sends `writes` updates, then checks the echoes all arrived; returns the round trips they cost. */
  async function cost(
    query: string,
    variables: (i: number) => Record<string, unknown>,
    writes: number,
  ) {
    const echoesBefore = await echoes();
    const tripsBefore = await trips();
    for (let i = 0; i < writes; i++) {
      const res = await a.query(query, variables(i), admin);
      expect(res.body.errors).toBeUndefined();
    }
    // Every echo has arrived and was recognised.
    await eventually(async () => expect((await echoes()) - echoesBefore).toBe(writes));
    return (await trips()) - tripsBefore;
  }

  it('a price change costs one cache round trip (the write-through: it moves no list); its change-feed echo costs none', async () => {
    await a.query(UPDATE, { id: '1', p: 1 }, admin);
    await eventually(async () => expect(await echoes()).toBe(1));
    // The echo's fence would double it.
    expect(await cost(UPDATE, (i) => ({ id: String(1 + (i % 3)), p: 500 + i }), 10)).toBe(10);
  });

  it('a change of category costs two (the write-through and the bumps, sent together); its echo none', async () => {
    const MOVE = `mutation($id: ID!, $c: ID!) { updateProduct(id: $id, input: { categoryId: $c }) { id } }`;
    expect(await cost(MOVE, (i) => ({ id: '4', c: String(1 + (i % 2)) }), 10)).toBe(20);
  });

  it('a price change publishes its bus message from the write-through script (no PUBLISH of its own), and another instance gets it; a move publishes after its bumps', async () => {
    // B learns of A's writes from the bus alone: its change feed is off.
    const b = await startTestApp({
      databaseUrl: db.url,
      prefix: a.prefix,
      changeFeed: false,
      env: { REDIS_URL: redis.url, RATE_LIMIT_ENABLED: 'false' },
    });
    const monitor = await new Redis(redis.url).monitor();
    const publishes: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'publish') publishes.push(source === 'lua' ? 'lua' : 'client');
    });
    try {
      const price = async (app: TestApp) =>
        (await app.query<{ product: { priceCents: number } }>(READ, { id: '5' })).body.data?.product
          .priceCents;
      await price(b);
      expect(await price(b)).not.toBe(4242);
      const updated = await a.query(UPDATE, { id: '5', p: 4242 }, admin);
      expect(updated.body.errors).toBeUndefined();
      await eventually(async () => expect(await price(b)).toBe(4242));
      expect(publishes).toEqual(['lua']);

      publishes.length = 0;
      const MOVE = `mutation($id: ID!, $c: ID!) { updateProduct(id: $id, input: { categoryId: $c }) { id } }`;
      expect((await a.query(MOVE, { id: '5', c: '2' }, admin)).body.errors).toBeUndefined();
      await eventually(async () => expect(publishes).toEqual(['client']));
    } finally {
      monitor.disconnect();
      await b.close();
    }
  });

  it('a write that bypasses the API still reaches the cache through the feed', async () => {
    const before = await a.query<{ product: { priceCents: number } }>(READ, { id: '2' });
    expect(before.body.errors).toBeUndefined();
    await sql(db.url, `UPDATE "Product" SET "priceCents" = 777 WHERE id = 2`);
    await eventually(async () => {
      const res = await a.query<{ product: { priceCents: number } }>(READ, { id: '2' });
      expect(res.body.data?.product.priceCents).toBe(777);
    });
  });
});
