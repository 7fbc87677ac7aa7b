/**
 * Every model in the registry (src/model/registry.ts) is wired into the
 * change feed by `catalog_watch()` in its migration: the migrated database
 * has both triggers on its table, calling the right functions at the right
 * time. A model registered without `SELECT catalog_watch('<Model>')` in a
 * migration fails here, before writes by psql could go unseen by the cache.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_LIST } from '../../src/model/registry.js';
import { eventually } from '../helpers/eventually.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

interface TriggerRow {
  table: string;
  name: string;
  fn: string;
  type: number;
}

// pg_trigger.tgtype bits: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16.
const BEFORE_UPDATE_ROW = 1 | 2 | 16;
const AFTER_ANY_ROW = 1 | 4 | 8 | 16;

describe('the change-feed triggers', () => {
  it('exist on the table of every registered model: a version bump before each update, a notification after every change', async () => {
    const rows = await sql<TriggerRow>(
      db.url,
      `SELECT c.relname::text AS table, t.tgname::text AS name, t.tgfoid::regproc::text AS fn, t.tgtype::int AS type
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace`,
    );
    const models = MODEL_LIST.map(([model]) => model);
    expect(models).toContain('Brand');
    for (const model of models) {
      const triggers = rows
        .filter((r) => r.table === model)
        .map(({ name, fn, type }) => ({ name, fn, type }));
      expect(triggers, `triggers on "${model}"`).toEqual(
        expect.arrayContaining([
          { name: `${model}_bump_version`, fn: 'catalog_bump_version', type: BEFORE_UPDATE_ROW },
          { name: `${model}_notify_change`, fn: 'catalog_notify_change', type: AFTER_ANY_ROW },
        ]),
      );
    }
  });

  it('are what catalog_watch() makes: calling it on a new table announces its committed changes', async () => {
    await sql(
      db.url,
      `CREATE TABLE "Watched" (id serial PRIMARY KEY, "version" int NOT NULL DEFAULT 1, "ownerId" int)`,
    );
    await sql(db.url, `SELECT catalog_watch('Watched')`);
    const rows = await sql<{ name: string }>(
      db.url,
      `SELECT tgname::text AS name FROM pg_trigger WHERE tgrelid = '"Watched"'::regclass ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual(['Watched_bump_version', 'Watched_notify_change']);
    // Idempotent: a second call replaces, never duplicates.
    await sql(db.url, `SELECT catalog_watch('Watched')`);
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    try {
      const received: Array<Record<string, unknown>> = [];
      listener.on('notification', (n) =>
        received.push(JSON.parse(n.payload!) as Record<string, unknown>),
      );
      await listener.query('LISTEN catalog_changes');
      await sql(db.url, `INSERT INTO "Watched" ("ownerId") VALUES (7)`);
      await sql(db.url, `UPDATE "Watched" SET "ownerId" = 8`);
      const [row] = await sql<{ version: number }>(db.url, `SELECT version FROM "Watched"`);
      expect(row!.version).toBe(2);
      // An update that changes no column but the version, then a delete.
      await sql(db.url, `UPDATE "Watched" SET "ownerId" = 8`);
      await sql(db.url, `DELETE FROM "Watched"`);
      await eventually(() => expect(received).toHaveLength(4));
      expect(received[0]).toMatchObject({
        t: 'Watched',
        op: 'insert',
        id: 1,
        v: 1,
        old: null,
        new: { ownerId: 7 },
        changed: null,
      });
      expect(received[1]).toMatchObject({
        t: 'Watched',
        op: 'update',
        id: 1,
        v: 2,
        old: { ownerId: 7 },
        new: { ownerId: 8 },
      });
      expect([...(received[1]!.changed as string[])].sort()).toEqual(['ownerId', 'version']);
      expect(received[2]).toMatchObject({
        op: 'update',
        v: 3,
        old: { ownerId: 8 },
        new: { ownerId: 8 },
        changed: ['version'],
      });
      expect(received[3]).toMatchObject({
        t: 'Watched',
        op: 'delete',
        id: 1,
        v: 3,
        old: { ownerId: 8 },
        new: null,
        changed: null,
      });
      for (const payload of received) expect(typeof payload.tx).toBe('number');
    } finally {
      await listener.end();
      await sql(db.url, `DROP TABLE "Watched"`);
    }
  });
});
