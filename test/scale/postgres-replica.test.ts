/**
 * Reads from a real PostgreSQL streaming replica that lags (applies the WAL
 * 400 ms late): reads go to it, yet a read that follows a write this instance
 * acknowledged never sees an older version, nor does a read on another
 * instance that reaches the database after the write was acknowledged, and
 * the two-instance consistency checker finds no stale read after
 * acknowledgement. The change feed still listens on the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../helpers/env.js';
import { ADMIN, createFixtureDatabase } from '../helpers/fixture.js';
import { runScaleChecker } from './scale-checker.js';
import { deleteKeys } from '../helpers/redis-cleanup.js';
import { signIn, startTestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';
import {
  startPostgresWithReplica,
  type PostgresReplicaEngine,
} from './engines/postgres-replica.js';

let pg: PostgresReplicaEngine;
let source: TestDatabase;

beforeAll(async () => {
  source = await createFixtureDatabase();
  pg = await startPostgresWithReplica({ sourceUrl: source.url, applyDelayMs: 400 });
}, 90_000);

const checkerPrefix = `rp${Math.floor(Math.random() * 1e9)}`;

afterAll(async () => {
  await deleteKeys(REDIS_URL, checkerPrefix);
  await pg?.dispose();
  await source?.drop();
});

const READ = 'query($id: ID!) { product(id: $id) { id version stock } }';
const UPDATE =
  'mutation($id: ID!, $s: Int!) { updateProduct(id: $id, input: { stock: $s }) { version } }';

async function readsTo(app: { url: string }, to: 'replica' | 'primary'): Promise<number> {
  const text = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
  return Number(new RegExp(`db_reads_total\\{to="${to}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

describe('PostgreSQL read replica', () => {
  it(
    'reads go to the lagging replica, but never return an older version than this instance acknowledged',
    { timeout: 60_000 },
    async () => {
      // No cache: every read reaches PostgreSQL, so the routing alone decides.
      const app = await startTestApp({
        databaseUrl: pg.primaryUrl,
        env: {
          DATABASE_REPLICA_URLS: pg.replicaUrl,
          CACHE_MODE: 'off',
          RATE_LIMIT_ENABLED: 'false',
        },
      });
      try {
        const admin = await signIn(app, ADMIN.email, ADMIN.password);
        // Let the replica replay the login's writes, then reads go to it.
        await new Promise((r) => setTimeout(r, 1000));
        const before = await readsTo(app, 'replica');
        for (let id = 1; id <= 5; id++)
          expect((await app.query(READ, { id: String(id) })).body.errors).toBeUndefined();
        expect(await readsTo(app, 'replica')).toBeGreaterThan(before);

        let stale = 0;
        for (let i = 0; i < 15; i++) {
          const id = String((i % 5) + 1);
          const written = await app.query<{ updateProduct: { version: number } }>(
            UPDATE,
            { id, s: i },
            admin,
          );
          const version = written.body.data!.updateProduct.version;
          const read = await app.query<{ product: { version: number } }>(READ, { id });
          if (read.body.data!.product.version < version) stale++;
        }
        // The replica really lags behind those writes (so the check above meant something)...
        const [lagging] = await sql<{ v: number }>(
          pg.replicaUrl,
          'SELECT version AS v FROM "Product" WHERE id = 5',
        );
        const [primary] = await sql<{ v: number }>(
          pg.primaryUrl,
          'SELECT version AS v FROM "Product" WHERE id = 5',
        );
        console.log(
          `replica: product 5 at version ${lagging!.v} on the replica, ${primary!.v} on the primary right after the writes; stale reads: ${stale}`,
        );
        expect(lagging!.v).toBeLessThan(primary!.v);
        // ...and yet no read after a write returned an older version.
        expect(stale).toBe(0);
        // Once the replica has caught up, reads go back to it.
        await new Promise((r) => setTimeout(r, 1200));
        const replicaReads = await readsTo(app, 'replica');
        await app.query(READ, { id: '1' });
        expect(await readsTo(app, 'replica')).toBeGreaterThan(replicaReads);
      } finally {
        await app.close();
      }
    },
  );

  it(
    'a read on another instance that reaches the database never returns an older version than a write acknowledged elsewhere',
    { timeout: 60_000 },
    async () => {
      // The writer acknowledges; the reader has no cache (as when its L2 holds a
      // fence, has advanced its epoch, or is unavailable), so every read goes to
      // its database: the lagging replica unless it heard of the write.
      const writer = await startTestApp({
        databaseUrl: pg.primaryUrl,
        env: { CACHE_MODE: 'off', RATE_LIMIT_ENABLED: 'false' },
      });
      const reader = await startTestApp({
        databaseUrl: pg.primaryUrl,
        env: {
          DATABASE_REPLICA_URLS: pg.replicaUrl,
          CACHE_MODE: 'off',
          RATE_LIMIT_ENABLED: 'false',
        },
      });
      try {
        const admin = await signIn(writer, ADMIN.email, ADMIN.password);
        await new Promise((r) => setTimeout(r, 1000));
        const before = await readsTo(reader, 'replica');
        await reader.query(READ, { id: '6' });
        expect(await readsTo(reader, 'replica')).toBeGreaterThan(before);
        let stale = 0;
        for (let i = 0; i < 10; i++) {
          const id = String(6 + (i % 3));
          const written = await writer.query<{ updateProduct: { version: number } }>(
            UPDATE,
            { id, s: 100 + i },
            admin,
          );
          const version = written.body.data!.updateProduct.version;
          const read = await reader.query<{ product: { version: number } }>(READ, { id });
          if (read.body.data!.product.version < version) stale++;
        }
        expect(stale).toBe(0);
        // The reader went back to the replica once it had replayed those writes.
        await new Promise((r) => setTimeout(r, 1200));
        const replicaReads = await readsTo(reader, 'replica');
        await reader.query(READ, { id: '6' });
        expect(await readsTo(reader, 'replica')).toBeGreaterThan(replicaReads);
      } finally {
        await reader.close();
        await writer.close();
      }
    },
  );

  it(
    'the consistency checker finds no stale read after acknowledgement with a lagging replica',
    { timeout: 90_000 },
    async () => {
      const report = await runScaleChecker({
        databaseUrl: pg.primaryUrl,
        redisUrl: REDIS_URL,
        env: { DATABASE_REPLICA_URLS: pg.replicaUrl },
        prefix: checkerPrefix,
        durationMs: 12_000,
      });
      console.log(`replica checker (apply delay 400 ms): ${JSON.stringify(report)}`);
      expect(report.errors).toBe(0);
      expect(report.violations).toBe(0);
      expect(report.writes).toBeGreaterThan(20);
      expect(report.lagMs.max).toBeLessThan(5000);
    },
  );
});
