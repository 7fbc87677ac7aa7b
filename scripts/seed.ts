/**
 * Seeds the catalog database with deterministic demo data.
 *
 *   npm run seed -- [--products N] [--seed N] [--reset]
 *
 * Uses DATABASE_URL, or the embedded PGlite database in PGLITE_DIR when it is
 * unset (stop the API first: PGlite allows one process per data directory).
 *
 * `npm run seed` caps the V8 heap (--max-old-space-size=160): the rows stream
 * and only garbage would grow past that, so 100,000 products stay under 300 MB.
 */
import { loadConfig, type Config } from '../src/config/config.js';
import {
  SEED_USAGE,
  SeedUsageError,
  createProgressReporter,
  databaseLabel,
  explainDatabaseError,
  formatDemoLogins,
  isDatabaseEmpty,
  parseSeedArgs,
  planSeed,
  resetDatabase,
  seedCatalog,
  type SeedArgs,
  type SeedCounts,
} from '../src/db/seed/index.js';

function summary(counts: SeedCounts, seconds: number): string {
  return (
    `Seeded ${counts.products} products, ${counts.categories} categories, ${counts.users} users, ` +
    `${counts.reviews} reviews, ${counts.orders} orders (${counts.orderItems} lines) in ${seconds.toFixed(1)} s`
  );
}

async function run(args: SeedArgs, config: Config): Promise<number> {
  // Imported here, not at the top, so a missing `prisma generate` output is
  // reported in words rather than as a module-resolution stack trace.
  const { openDatabase } = await import('../src/db/database.js').catch((error: unknown) => {
    throw new Error(
      'Cannot load the Prisma client: run `npx prisma generate` first (`npm run dev` does it).',
      { cause: error },
    );
  });
  const label = databaseLabel(config.database);
  const db = await openDatabase({
    ...config.database,
    statementTimeoutMs: 0,
    onStatement: () => undefined,
  });
  try {
    if (!(await isDatabaseEmpty(db.prisma))) {
      if (!args.reset) {
        console.error(
          `The ${label} already has catalog rows. Pass --reset to delete them all and seed again.`,
        );
        return 1;
      }
      console.log(`Deleting every catalog row in the ${label} (--reset)…`);
      await resetDatabase(db.prisma);
    }
    const plan = planSeed(args.products);
    console.log(
      `Seeding the ${label}: ${plan.products} products, ${plan.reviews} reviews, seed ${args.seed}`,
    );
    const progress = createProgressReporter();
    const started = performance.now();
    let counts: SeedCounts;
    try {
      counts = await seedCatalog(db.prisma, {
        products: args.products,
        seed: args.seed,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    console.log(summary(counts, (performance.now() - started) / 1000));
    console.log(formatDemoLogins());
    return 0;
  } finally {
    await db.close();
  }
}

async function main(): Promise<number> {
  let args: SeedArgs | null;
  try {
    args = parseSeedArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SeedUsageError)) throw error;
    console.error(`${error.message}\n\n${SEED_USAGE}`);
    return 2;
  }
  if (args === null) {
    console.log(SEED_USAGE);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  try {
    return await run(args, config);
  } catch (error) {
    console.error(explainDatabaseError(error, config.database) ?? error);
    return 1;
  }
}

// Exit explicitly: a pool or timer left behind by a failed connection must not keep the CLI alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
