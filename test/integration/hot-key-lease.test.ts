/**
 * One load per hot key across instances (docs/design.md promise 6): bursts of
 * concurrent requests for one cold key over two API instances, with loads
 * counted at the PostgreSQL wire; and a loader error that must release the
 * lease and never be cached.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogCache, redisL2 } from '../../src/cache/index.js';
import type { CachePolicy } from '../../src/cache/index.js';
import { ADMIN, createFixtureDatabase } from '../helpers/fixture.js';
import { startWireCounter, type WireCounter } from '../helpers/pg-wire-counter.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';
import { redisGate } from '../helpers/redis-gate.js';
import { waitFor } from '../helpers/eventually.js';

let db: TestDatabase;
let wire: WireCounter;
let redis: RedisServer;
let apps: TestApp[] = [];

beforeAll(async () => {
  db = await createFixtureDatabase();
  wire = await startWireCounter(db.url);
  redis = await startRedisServer();
  // 1,000 requests at once saturate this process's event loop for a second
  // or more; a longer command timeout keeps Redis in play, as it would be on
  // a server not shared with its own load generator.
  const env = {
    REDIS_URL: redis.url,
    RATE_LIMIT_ENABLED: 'false',
    REDIS_COMMAND_TIMEOUT_MS: '2000',
  };
  const prefix = `hot${Date.now()}`;
  apps = [
    await startTestApp({ databaseUrl: wire.url, env, prefix }),
    await startTestApp({ databaseUrl: wire.url, env, prefix }),
  ];
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await wire.close();
  await redis.dispose();
  await db.drop();
});

/** 1,000 concurrent reads of one product, half on each instance; returns the loads seen at PostgreSQL. */
async function burst(
  id: number,
): Promise<{ loads: number; errors: number; versions: Set<number> }> {
  const before = wire.statements;
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      apps[i % 2]!.query<{ product: { version: number } }>(`{ product(id: "${id}") { version } }`),
    ),
  );
  const versions = new Set(results.map((r) => r.body.data?.product.version ?? -1));
  return {
    loads: wire.statements - before,
    errors: results.filter((r) => r.body.errors).length,
    versions,
  };
}

describe('hot keys', () => {
  it(
    'a cold key under 1,000 concurrent requests over two instances is loaded once',
    { timeout: 60_000 },
    async () => {
      const cold = await burst(7);
      console.log(
        `hot key cold burst: ${JSON.stringify({ ...cold, versions: [...cold.versions] })}`,
      );
      expect(cold.errors).toBe(0);
      expect(cold.loads).toBe(1);
      expect(cold.versions).toEqual(new Set([1]));
    },
  );

  it(
    'after an update through the API or by psql, at most one more load per burst',
    { timeout: 60_000 },
    async () => {
      const admin = await signIn(apps[0]!, ADMIN.email, ADMIN.password);
      await apps[0]!.query(
        'mutation { updateProduct(id: "8", input: { stock: 3 }) { version } }',
        {},
        admin,
      );
      const afterApi = await burst(8);
      await sql(db.url, 'UPDATE "Product" SET stock = 4 WHERE id = 8');
      await new Promise((r) => setTimeout(r, 300));
      const afterPsql = await burst(8);
      console.log(
        `hot key after updates: api ${JSON.stringify({ ...afterApi, versions: [...afterApi.versions] })}, psql ${JSON.stringify({ ...afterPsql, versions: [...afterPsql.versions] })}`,
      );
      expect(afterApi.errors + afterPsql.errors).toBe(0);
      expect(afterApi.versions).toEqual(new Set([2]));
      expect(afterPsql.versions).toEqual(new Set([3]));
      expect(afterApi.loads).toBeLessThanOrEqual(1);
      expect(afterPsql.loads).toBeLessThanOrEqual(1);
    },
  );

  it('a loader error releases the lease and is not cached', async () => {
    const gate = redisGate(redis.url, { name: 'lease-test' });
    await waitFor(() => gate.available);
    const cache = new CatalogCache({
      mode: 'l1+l2',
      prefix: `lease${Date.now()}`,
      l1MaxEntries: 100,
      l1MaxBytes: 1 << 20,
      l2: redisL2(gate),
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
    const inspect = new Redis(redis.url);
    try {
      await expect(
        cache.entities.loadMany('Product', policy, [5], async () =>
          Promise.reject(new Error('database down')),
        ),
      ).rejects.toThrow('database down');
      expect(await inspect.exists(cache.keys.lease(cache.keys.entity('Product', 5)))).toBe(0);
      let calls = 0;
      const rows = await cache.entities.loadMany('Product', policy, [5], async () => {
        calls++;
        return [{ id: 5, version: 1 }];
      });
      expect(calls).toBe(1);
      expect(rows).toEqual([{ id: 5, version: 1 }]);
    } finally {
      inspect.disconnect();
      gate.client.disconnect();
    }
  });
});
