/**
 * Promise 2 under concurrency, across two API processes: no read that started
 * after an update's acknowledgement returns an older version, except from
 * another instance's L1 within the invalidation delivery time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecker } from '../../scripts/bench/consistency-checker.js';
import { REDIS_URL } from '../helpers/env.js';
import { ADMIN, createFixtureDatabase } from '../helpers/fixture.js';
import { deleteKeys } from '../helpers/redis-cleanup.js';
import { testPrefix } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
const prefix = testPrefix();

beforeAll(async () => {
  db = await createFixtureDatabase();
});

afterAll(async () => {
  await deleteKeys(REDIS_URL, prefix);
  await db.drop();
});

describe('consistency checker', () => {
  it(
    'finds no stale read after acknowledgement over two instances',
    { timeout: 90_000 },
    async () => {
      const report = await runChecker({
        databaseUrl: db.url,
        redisUrl: REDIS_URL,
        prefix,
        instances: 2,
        clients: 16,
        durationMs: 20_000,
        productIds: Array.from({ length: 10 }, (_, i) => i + 1),
        adminEmail: ADMIN.email,
        adminPassword: ADMIN.password,
        writeRatio: 0.1,
      });
      console.log(`consistency checker: ${JSON.stringify(report)}`);
      expect(report.errors).toBe(0);
      // Enough work for the check to mean something, on a machine of any speed
      // (an idle 2-core machine does 5,000-10,000 operations here).
      expect(report.writes).toBeGreaterThan(50);
      expect(report.operations).toBeGreaterThan(500);
      expect(report.violations).toBe(0);
      // Other instances' L1 follow within the delivery time (goal: p99 < 50 ms,
      // printed by `npm run bench -- --checker`); a lost invalidation would show
      // here as lag up to the L1 TTL (30 s).
      expect(report.lagMs.max).toBeLessThan(5000);
    },
  );
});
