/**
 * The cache on a real 3-primary Redis Cluster (six local redis-server
 * processes): entity batches cost at most one round trip per primary that
 * holds their keys, and the two-instance consistency checker finds no stale
 * read after acknowledgement while a primary is killed and its replica
 * takes over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { runScaleChecker } from './scale-checker.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/test-db.js';
import { keySlot } from '../../src/redis/slot-batches.js';
import { startRedisCluster, type RedisClusterEngine } from './engines/redis-cluster.js';

let cluster: RedisClusterEngine;
let db: TestDatabase;

beforeAll(async () => {
  [cluster, db] = await Promise.all([startRedisCluster(), createFixtureDatabase()]);
}, 60_000);

afterAll(async () => {
  await cluster?.dispose();
  await db?.drop();
});

const IDS = Array.from({ length: 24 }, (_, i) => i + 1);
/** One DataLoader batch: every alias loads through the same product loader. */
const BATCH = `{ ${IDS.map((id) => `p${id}: product(id: "${id}") { id version }`).join(' ')} }`;

describe('Redis Cluster', () => {
  it(
    'a warm DataLoader batch costs at most one round trip per primary holding its keys',
    { timeout: 60_000 },
    async () => {
      // L2 only (no L1, no response reuse), so the warm batch really reads Redis.
      const app: TestApp = await startTestApp({
        databaseUrl: db.url,
        env: {
          REDIS_CLUSTER_NODES: cluster.nodesSetting,
          CACHE_MODE: 'l2',
          RESPONSE_REUSE_MAX_BYTES: '0',
          RATE_LIMIT_ENABLED: 'false',
        },
      });
      try {
        expect(app.app.cache.keys.shards).toBe(64);
        const cold = await app.query<Record<string, { version: number }>>(BATCH);
        expect(cold.body.errors).toBeUndefined();
        const warm = await app.query<Record<string, { version: number }>>(BATCH);
        expect(Object.keys(warm.body.data ?? {})).toHaveLength(IDS.length);
        const stats = (
          warm.body as {
            extensions?: {
              stats?: { redisRoundTrips: number; l2Hits: number; sqlStatements?: number };
            };
          }
        ).extensions!.stats!;
        // Which primaries hold the batch's keys (and the epoch copies read with them).
        const client = app.app.redis.client as unknown as { slots: string[][] };
        const holders = new Set(
          IDS.map((id) => client.slots[keySlot(app.app.cache.keys.entity('Product', id))]![0]),
        );
        console.log(
          `cluster: warm batch of ${IDS.length} products: ${stats.redisRoundTrips} round trips, ${holders.size} primaries hold its keys, ${stats.l2Hits} L2 hits`,
        );
        expect(stats.l2Hits).toBe(IDS.length);
        expect(stats.redisRoundTrips).toBeGreaterThan(0);
        expect(stats.redisRoundTrips).toBeLessThanOrEqual(holders.size);
      } finally {
        await app.close();
      }
    },
  );

  it(
    'the consistency checker finds no stale read after acknowledgement over two instances',
    { timeout: 90_000 },
    async () => {
      const report = await runScaleChecker({
        databaseUrl: db.url,
        env: {
          REDIS_CLUSTER_NODES: cluster.nodesSetting,
          REDIS_COMMAND_TIMEOUT_MS: '250',
        },
        prefix: `cl${Math.floor(Math.random() * 1e9)}`,
        durationMs: 12_000,
      });
      console.log(`cluster checker: ${JSON.stringify(report)}`);
      expect(report.errors).toBe(0);
      expect(report.violations).toBe(0);
      expect(report.writes).toBeGreaterThan(20);
      expect(report.reads).toBeGreaterThan(200);
      expect(report.lagMs.max).toBeLessThan(5000);
    },
  );

  // Runs on request only (SCALE_FAILOVER=1, about 22 s): before the lease
  // script's replies were re-checked against the slot owners it found 1-2
  // stale reads in 2 of 7 runs; since, 0 in 6 runs. Into the suite once a
  // longer record agrees.
  it.runIf(process.env.SCALE_FAILOVER === '1')(
    'the consistency checker finds no stale read with a primary killed under load',
    { timeout: 120_000 },
    async () => {
      const primaries = await cluster.primaries();
      expect(primaries).toHaveLength(3);
      const victim = primaries[0]!;
      let failoverMs = 0;
      const report = await runScaleChecker({
        databaseUrl: db.url,
        env: {
          REDIS_CLUSTER_NODES: cluster.nodesSetting,
          REDIS_COMMAND_TIMEOUT_MS: '250',
        },
        prefix: `cl${Math.floor(Math.random() * 1e9)}`,
        durationMs: 18_000,
        during: async () => {
          const started = Date.now();
          await cluster.kill(victim);
          await cluster.waitHealthy(victim);
          failoverMs = Date.now() - started;
        },
      });
      console.log(
        `cluster checker (primary ${victim} killed, failover took ${failoverMs} ms): ${JSON.stringify(report)}`,
      );
      expect(report.violations).toBe(0);
      expect(report.writes).toBeGreaterThan(20);
      expect(report.reads).toBeGreaterThan(200);
      // Errors only inside the failover window.
      for (const at of report.errorsAfterFaultMs) expect(at).toBeGreaterThanOrEqual(0);
      for (const at of report.errorsAfterFaultMs) expect(at).toBeLessThanOrEqual(failoverMs + 2000);
      expect(report.lagMs.max).toBeLessThan(5000);
    },
  );
});
