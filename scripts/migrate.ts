/**
 * `npm run migrate`: applies prisma/migrations to DATABASE_URL (or the
 * embedded database) in this process, with the same `_prisma_migrations`
 * bookkeeping as `prisma migrate deploy` (see src/db/migrations.ts). It needs
 * no Prisma CLI, so the Docker image runs it at start without dev
 * dependencies, and it exits as soon as it is done.
 *
 *   npm run migrate      (the image: node dist/scripts/migrate.js)
 */
import { loadConfig } from '../src/config/config.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations, readMigrations } from '../src/db/migrations.js';
import { databaseLabel, explainDatabaseError } from '../src/db/seed/index.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase({
    ...config.database,
    statementTimeoutMs: 0,
    onStatement: () => undefined,
  });
  try {
    const result = await applyMigrations(db.raw, readMigrations('prisma/migrations'), {
      resetHint:
        "Repair the database and delete that migration's row from _prisma_migrations (or mark it with `prisma migrate resolve`), then run `npm run migrate` again.",
    });
    const what = result.applied.length
      ? `applied ${result.applied.join(', ')}`
      : 'no pending migrations';
    console.log(
      `${databaseLabel(config.database)}: ${what} (${result.alreadyApplied} already applied).`,
    );
    return 0;
  } catch (error) {
    console.error(
      `migrate: ${explainDatabaseError(error, config.database) ?? (error as Error).message}`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`migrate: ${(error as Error).message ?? error}`);
    process.exit(1);
  },
);
