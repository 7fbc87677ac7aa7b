/**
 * The nested catalog query's SQL statement count does not grow with list
 * sizes, counted both by the API and at the PostgreSQL connection; and with a
 * warm cache it runs no SQL and at most one Redis command per DataLoader batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { startWireCounter, type WireCounter } from '../helpers/pg-wire-counter.js';
import { commandCount, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/test-db.js';

const NESTED = `query($n: Int) { products(first: $n) { edges { node { category { name } reviews(first: 5) { rating author { name } } } } } }`;

interface Stats {
  sqlStatements: number;
  redisRoundTrips: number;
  l1Hits: number;
  l2Hits: number;
  responseReuse: string;
}

let db: TestDatabase;
let wire: WireCounter;
let redis: RedisServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  db = await createFixtureDatabase();
  wire = await startWireCounter(db.url);
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await wire.close();
  await redis.stop();
  await db.drop();
});

async function app(
  mode: string,
  prefix?: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  // Rate limits off: this file counts the cache's Redis round trips alone.
  const a = await startTestApp({
    databaseUrl: wire.url,
    env: { CACHE_MODE: mode, REDIS_URL: redis.url, RATE_LIMIT_ENABLED: 'false', ...env },
    prefix,
  });
  apps.push(a);
  return a;
}

async function run(a: TestApp, n: number): Promise<{ stats: Stats; wire: number }> {
  const before = wire.statements;
  const res = await a.query(NESTED, { n });
  expect(res.body.errors).toBeUndefined();
  expect((res.body.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(n);
  return { stats: res.body.extensions!.stats as Stats, wire: wire.statements - before };
}

describe('SQL statements per request', () => {
  it('does not grow with the list size without a cache, counted by the API and at PostgreSQL', async () => {
    const a = await app('off');
    const small = await run(a, 5);
    const large = await run(a, 50);
    expect(small.stats.sqlStatements).toBeGreaterThan(0);
    expect(large.stats.sqlStatements).toBe(small.stats.sqlStatements);
    expect(small.wire).toBe(small.stats.sqlStatements);
    expect(large.wire).toBe(large.stats.sqlStatements);
  });

  it('is no higher with a cold cache than without one, and zero when warm', async () => {
    const off = await run(await app('off'), 50);
    // Response reuse off: every field is served, synchronously, from L1.
    const cached = await app('l1+l2', undefined, { RESPONSE_REUSE_MAX_BYTES: '0' });
    const cold = await run(cached, 50);
    expect(cold.stats.sqlStatements).toBeLessThanOrEqual(off.stats.sqlStatements);
    const warm = await run(cached, 50);
    expect(warm.stats.sqlStatements).toBe(0);
    expect(warm.wire).toBe(0);
    expect(warm.stats.redisRoundTrips).toBe(0);
    expect(warm.stats.l1Hits).toBeGreaterThan(0);
    expect(warm.stats.responseReuse).toBe('off');
  });

  it('serves a warm response again with no SQL, no Redis and no cache lookup', async () => {
    const cached = await app('l1+l2');
    expect((await run(cached, 50)).stats.responseReuse).toBe('stored');
    const warm = await run(cached, 50);
    expect(warm.stats).toMatchObject({
      responseReuse: 'hit',
      sqlStatements: 0,
      redisRoundTrips: 0,
      l1Hits: 0,
      l2Hits: 0,
    });
    expect(warm.wire).toBe(0);
  });

  it('serves a warm L2 with no SQL and at most one Redis command per DataLoader batch', async () => {
    const filler = await app('l2');
    await run(filler, 50);
    const reader = await app('l2', filler.prefix);
    const before = await commandCount(redis.url);
    const warm = await run(reader, 50);
    const used = (await commandCount(redis.url)) - before;
    expect(warm.stats.sqlStatements).toBe(0);
    expect(warm.stats.l2Hits).toBeGreaterThan(0);
    // Six DataLoader batches: the page, its products, their categories, the
    // review id lists, the reviews, their authors. One MGET each.
    expect(warm.stats.redisRoundTrips).toBe(6);
    // Counted at Redis (a private server, so the count is exact).
    expect(used).toBe(6);
  });
});
