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
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
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

/** An instance with no cache (every read reaches PostgreSQL, so the routing alone decides) reading from the replica. */
function startOnReplica() {
  return startTestApp({
    databaseUrl: pg.primaryUrl,
    env: { DATABASE_REPLICA_URLS: pg.replicaUrl, CACHE_MODE: 'off', RATE_LIMIT_ENABLED: 'false' },
  });
}

/** After `waitMs` (for the replica to replay what came before), reads of `ids` on `app` reach the replica. */
async function expectReplicaReads(app: TestApp, ids: number[], waitMs: number) {
  await new Promise((r) => setTimeout(r, waitMs));
  const before = await readsTo(app, 'replica');
  for (const id of ids)
    expect((await app.query(READ, { id: String(id) })).body.errors).toBeUndefined();
  expect(await readsTo(app, 'replica')).toBeGreaterThan(before);
}

/** `writes` updates on `writer`, each followed at once by a read on `reader`: how many read an older version. */
async function staleAfterWrites(
  writer: TestApp,
  reader: TestApp,
  admin: Record<string, string>,
  writes: Array<{ id: number; stock: number }>,
): Promise<number> {
  let stale = 0;
  for (const { id, stock } of writes) {
    const written = await writer.query<{ updateProduct: { version: number } }>(
      UPDATE,
      { id: String(id), s: stock },
      admin,
    );
    const version = written.body.data!.updateProduct.version;
    const read = await reader.query<{ product: { version: number } }>(READ, { id: String(id) });
    if (read.body.data!.product.version < version) stale++;
  }
  return stale;
}

describe('PostgreSQL read replica', () => {
  it(
    'reads go to the lagging replica, but never return an older version than this instance acknowledged',
    { timeout: 60_000 },
    async () => {
      const app = await startOnReplica();
      try {
        const admin = await signIn(app, ADMIN.email, ADMIN.password);
        // Once the replica has replayed the login's writes, reads go to it.
        await expectReplicaReads(app, [1, 2, 3, 4, 5], 1000);
        const writes = Array.from({ length: 15 }, (_, i) => ({ id: (i % 5) + 1, stock: i }));
        const stale = await staleAfterWrites(app, app, admin, writes);
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
        await expectReplicaReads(app, [1], 1200);
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
      const reader = await startOnReplica();
      try {
        const admin = await signIn(writer, ADMIN.email, ADMIN.password);
        await expectReplicaReads(reader, [6], 1000);
        const writes = Array.from({ length: 10 }, (_, i) => ({ id: 6 + (i % 3), stock: 100 + i }));
        expect(await staleAfterWrites(writer, reader, admin, writes)).toBe(0);
        // The reader goes back to the replica once it has replayed those writes.
        await expectReplicaReads(reader, [6], 1200);
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
