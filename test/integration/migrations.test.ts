/**
 * The project's migrator (src/db/migrations.ts: `npm run migrate`, `npm run
 * dev`, the Docker image and the tests' template database): the bookkeeping
 * `prisma migrate deploy` writes, nothing re-applied, and a changed or failing
 * migration refused without leaving half of it behind.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations, MigrationStateError, readMigrations } from '../../src/db/migrations.js';
import { TEMPLATE_DB, databaseUrl } from '../helpers/env.js';
import { adminQuery, sql } from '../helpers/test-db.js';

const name = `catalog_test_migrate_${process.pid}`;
const url = databaseUrl(name);
const migrations = readMigrations('prisma/migrations');
let db: Database;

type Row = {
  migration_name: string;
  checksum: string;
  applied_steps_count: number;
  finished: boolean;
};
const BOOKKEEPING = `SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished
  FROM "_prisma_migrations" ORDER BY migration_name`;

beforeAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${name}`);
  db = await openDatabase({ url, pgliteDir: '', poolSize: 2, onStatement: () => undefined });
});

afterAll(async () => {
  await db?.close();
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

describe('in-process migrations', () => {
  it("write prisma migrate deploy's bookkeeping, and a working schema", async () => {
    const result = await applyMigrations(db.raw, migrations, { resetHint: 'reset' });
    expect(result.applied).toEqual(migrations.map((m) => m.name));
    // What Prisma's deploy records per migration (and compares on its next
    // run): the folder name, the SHA-256 of migration.sql, one step, finished.
    expect(await sql<Row>(url, BOOKKEEPING)).toEqual(
      migrations.map((m) => ({
        migration_name: m.name,
        checksum: createHash('sha256')
          .update(readFileSync(`prisma/migrations/${m.name}/migration.sql`))
          .digest('hex'),
        applied_steps_count: 1,
        finished: true,
      })),
    );
    // The change-feed trigger ($$ function bodies) came through whole: an update bumps the version.
    await sql(url, `INSERT INTO "Category" (slug, name, "updatedAt") VALUES ('a', 'A', now())`);
    await sql(url, `UPDATE "Category" SET name = 'B' WHERE slug = 'a'`);
    expect(
      (await sql<{ version: number }>(url, `SELECT version FROM "Category" WHERE slug = 'a'`))[0]
        ?.version,
    ).toBe(2);
  });

  it('apply nothing to a database already migrated by another run (the template)', async () => {
    const template = await openDatabase({
      url: databaseUrl(TEMPLATE_DB),
      pgliteDir: '',
      poolSize: 1,
      onStatement: () => undefined,
    });
    try {
      const result = await applyMigrations(template.raw, migrations, { resetHint: 'reset' });
      expect(result).toEqual({ applied: [], alreadyApplied: migrations.length });
    } finally {
      await template.close();
    }
  });

  it('refuse a migration changed after it was applied, naming it and the reset', async () => {
    const changed = migrations.map((m, i) => (i === 0 ? { ...m, checksum: '0'.repeat(64) } : m));
    const error = await applyMigrations(db.raw, changed, {
      resetHint: 'Run npm run dev -- --reset.',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationStateError);
    expect((error as Error).message).toContain(migrations[0]!.name);
    expect((error as Error).message).toContain('npm run dev -- --reset');
  });

  it('leave neither half a failing migration nor its row behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
    try {
      cpSync('prisma/migrations', dir, { recursive: true });
      mkdirSync(path.join(dir, '29991231000000_broken'));
      writeFileSync(
        path.join(dir, '29991231000000_broken', 'migration.sql'),
        'CREATE TABLE "Half" (id int);\nSELECT no_such_function();\n',
      );
      const error = await applyMigrations(db.raw, readMigrations(dir), {
        resetHint: 'reset',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationStateError);
      expect((error as Error).message).toContain('29991231000000_broken');
      expect(await sql(url, `SELECT to_regclass('"Half"')::text AS t`)).toEqual([{ t: null }]);
      expect((await sql<Row>(url, BOOKKEEPING)).map((r) => r.migration_name)).not.toContain(
        '29991231000000_broken',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
