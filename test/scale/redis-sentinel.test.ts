/**
 * The cache on Redis Sentinel (a primary, a replica and three sentinels,
 * all local redis-server processes): the two-instance consistency checker
 * finds no stale read after acknowledgement while the sentinels fail the
 * primary over to the replica in the middle of the load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { runScaleChecker } from './scale-checker.js';
import type { TestDatabase } from '../helpers/test-db.js';
import {
  MASTER_NAME,
  startRedisSentinel,
  type RedisSentinelEngine,
} from './engines/redis-sentinel.js';

let sentinel: RedisSentinelEngine;
let db: TestDatabase;

beforeAll(async () => {
  [sentinel, db] = await Promise.all([startRedisSentinel(), createFixtureDatabase()]);
}, 60_000);

afterAll(async () => {
  await sentinel?.dispose();
  await db?.drop();
});

describe('Redis Sentinel', () => {
  it(
    'the consistency checker finds no stale read with a sentinel failover under load',
    { timeout: 120_000 },
    async () => {
      const before = await sentinel.primaryPort();
      let after = before;
      let failoverMs = 0;
      const report = await runScaleChecker({
        databaseUrl: db.url,
        env: {
          REDIS_SENTINELS: sentinel.sentinelsSetting,
          REDIS_SENTINEL_MASTER: MASTER_NAME,
          REDIS_COMMAND_TIMEOUT_MS: '250',
        },
        prefix: `se${Math.floor(Math.random() * 1e9)}`,
        durationMs: 15_000,
        during: async () => {
          const started = Date.now();
          after = await sentinel.failover();
          failoverMs = Date.now() - started;
        },
      });
      console.log(
        `sentinel checker (primary ${before} -> ${after}, failover took ${failoverMs} ms): ${JSON.stringify(report)}`,
      );
      expect(after).not.toBe(before);
      expect(report.violations).toBe(0);
      expect(report.writes).toBeGreaterThan(20);
      expect(report.reads).toBeGreaterThan(200);
      for (const at of report.errorsAfterFaultMs) expect(at).toBeGreaterThanOrEqual(0);
      for (const at of report.errorsAfterFaultMs) expect(at).toBeLessThanOrEqual(failoverMs + 2000);
      expect(report.lagMs.max).toBeLessThan(5000);
    },
  );
});
