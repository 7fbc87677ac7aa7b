import { defineConfig } from 'vitest/config';

// Integration tests talk to real PostgreSQL and Redis (see test/helpers).
// Migrations are applied once per run into a template database
// (test/global-setup.ts); each test file clones it in milliseconds.
export default defineConfig({
  // graphql ships both .mjs and .js; @apollo/server loads one and
  // @graphql-tools the other under vitest, and graphql refuses two copies.
  // Pin every import to the CommonJS build, as plain Node resolves it.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
