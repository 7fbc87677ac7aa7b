import { defineConfig } from 'vitest/config';

// Tests are split by what they need (as ioredis splits unit / functional / cluster):
// - unit: no services at all. No global setup; the cache's logic runs
//   against the in-memory L2 driver and transport. `npm run test:unit`.
// - contract: real Redis only. The seams' contract suites run against the
//   real implementations (the L2 driver on Redis, the version rule against
//   its Lua twin, the rate-limit scripts against their pure algorithms).
// - integration: real PostgreSQL and Redis. Migrations are applied once per
//   run into a template database (test/global-setup.ts); each test file
//   clones it in milliseconds.
// `npm test` runs all three.
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/protection/rules.test.ts',
  'test/ratelimit/algorithms.test.ts',
  'test/ratelimit/fallback-setting.test.ts',
  'test/seed/seed-parts.test.ts',
  'test/playground/playground.test.ts',
  'test/scale/slot-batches.test.ts',
  'test/scale/replica-router.test.ts',
];
const CONTRACT = ['test/contract/**/*.test.ts', 'test/ratelimit/redis-limiter.test.ts'];

export default defineConfig({
  // graphql ships both .mjs and .js; @apollo/server loads one and
  // @graphql-tools the other under vitest, and graphql refuses two copies.
  // Pin every import to the CommonJS build, as plain Node resolves it.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // No globalSetup here: the root project's would run even for `--project unit`.
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'contract', include: CONTRACT, globalSetup: ['test/setup/redis-run.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...CONTRACT],
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
