/**
 * `npm run bench` works from nothing: on a database that does not exist yet it
 * creates, migrates and seeds it, checks every system against the ceiling's
 * answers and prints its table. Short phases: the figures are not asserted
 * (they live in the benchmark), only that every row is there without errors.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, REDIS_URL } from '../helpers/env.js';
import { adminQuery } from '../helpers/test-db.js';

const name = `catalog_test_${process.env.CATALOG_TEST_RUN ?? 'x'}_bench_${randomBytes(4).toString('hex')}`;
afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

describe('npm run bench', { timeout: 180_000 }, () => {
  it('creates, migrates and seeds its database, then measures every system and query', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/bench.ts',
        '--seconds',
        '0.3',
        '--concurrency',
        '4',
        '--products',
        '40',
      ],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl(name), REDIS_URL },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    expect(stdout).toContain('seeding 40 products');
    const rows = stdout
      .split('\n')
      .filter((line) => /^(product page|catalog page|nested catalog) /.test(line));
    // Three queries on the ceiling and the API's four configurations.
    expect(rows, stdout).toHaveLength(15);
    const errors = (row: string) =>
      row
        .trim()
        .split(/\s{2,}/)
        .at(-1);
    for (const row of rows) expect(errors(row), row).toBe('0');
  });
});
