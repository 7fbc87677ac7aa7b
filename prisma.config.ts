/**
 * Prisma CLI configuration. The CLI runs the WASM schema engine that ships in
 * the `prisma` package through a driver adapter, so nothing is downloaded
 * (see prisma/migrate-adapter.ts for why and for the adapter's fixes).
 *
 * With DATABASE_URL the CLI migrates that PostgreSQL server; without it, the
 * embedded PGlite database in PGLITE_DIR (default .data/pglite).
 */
import { defineConfig } from 'prisma/config';
import { migrateAdapter } from './prisma/migrate-adapter.ts';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  // `prisma db seed` and `prisma migrate reset` run this (on the embedded
  // database `npm run dev -- --reset` is the reset: PGlite allows one process).
  migrations: {
    path: 'prisma/migrations',
    seed: 'node --max-old-space-size=160 --import tsx scripts/seed.ts',
  },
  adapter: migrateAdapter,
});
