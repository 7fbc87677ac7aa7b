/**
 * Applies prisma/migrations, writing the same `_prisma_migrations`
 * bookkeeping (name, SHA-256 checksum of migration.sql, one applied step) as
 * `prisma migrate deploy`, so the two stay interchangeable: Prisma's
 * `migrate status` and `deploy` see these migrations as applied.
 *
 * This is the project's migrator everywhere (`npm run migrate`, `npm run dev`,
 * the Docker image, the tests' template database):
 * - Prisma 7's CLI migrates only through a native schema engine that it
 *   downloads on first use, which a machine without that host cannot run;
 * - on the embedded database the CLI is a second process on a single-process
 *   data directory, and a start that overlapped it corrupted the directory
 *   (issue 9). Here the migration finishes before anything else opens the
 *   database, in milliseconds.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Migration {
  name: string;
  checksum: string;
  sql: string;
}

/** What the migrator needs from a database connection. */
export interface MigrationTarget {
  query<T>(sql: string): Promise<T[]>;
  /** Runs a multi-statement script as one simple-protocol query (one implicit transaction). */
  runScript(sql: string): Promise<void>;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** A migration history the code cannot build on; `message` names the migration and the way out. */
export class MigrationStateError extends Error {}

const NAME = /^[0-9A-Za-z_]+$/;

/** The migrations in `dir`, in name (timestamp) order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((entry) => statSync(path.join(dir, entry)).isDirectory())
    .sort()
    .map((name) => {
      if (!NAME.test(name))
        throw new MigrationStateError(`Unexpected migration folder name ${JSON.stringify(name)}`);
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished: boolean;
  rolled_back: boolean;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

async function appliedRows(db: MigrationTarget): Promise<AppliedRow[]> {
  const [exists] = await db.query<{ found: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS found`,
  );
  if (!exists?.found) return [];
  return db.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM "_prisma_migrations" ORDER BY started_at`,
  );
}

/** Names of the migrations in `migrations` that the database has not applied yet. */
export async function pendingMigrations(
  db: MigrationTarget,
  migrations: Migration[],
  resetHint: string,
): Promise<Migration[]> {
  const rows = (await appliedRows(db)).filter((row) => !row.rolled_back);
  const failed = rows.find((row) => !row.finished);
  if (failed) {
    throw new MigrationStateError(
      `Migration ${failed.migration_name} started but never finished; the database is half-migrated. ${resetHint}`,
    );
  }
  const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
  for (const m of migrations) {
    const checksum = applied.get(m.name);
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new MigrationStateError(
        `Migration ${m.name} was changed after it was applied to this database. ${resetHint}`,
      );
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

/**
 * Applies every pending migration, each with its bookkeeping row in one
 * transaction, so a failure leaves neither half a migration nor a row for it.
 */
export async function applyMigrations(
  db: MigrationTarget,
  migrations: Migration[],
  options: { resetHint: string; newId?: () => string },
): Promise<MigrationResult> {
  const newId = options.newId ?? randomUUID;
  await db.runScript(CREATE_TABLE);
  const pending = await pendingMigrations(db, migrations, options.resetHint);
  for (const m of pending) {
    // Name and checksum are checked above ([0-9A-Za-z_], hex), the id is a UUID: safe as literals.
    const record = `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
      VALUES ('${newId()}', '${m.checksum}', '${m.name}', now(), clock_timestamp(), 1)`;
    try {
      await db.runScript(`${m.sql}\n;\n${record}`);
    } catch (error) {
      throw new MigrationStateError(`Migration ${m.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return {
    applied: pending.map((m) => m.name),
    alreadyApplied: migrations.length - pending.length,
  };
}
