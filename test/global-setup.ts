/**
 * Once per test run: a fresh template database with every migration applied
 * by `npm run migrate` (scripts/migrate.ts). Test files clone it
 * (test-db.ts).
 *
 * Names carry the run's id (databases `catalog_test_<run>_…`, cache prefixes
 * `t<run>…`), so the teardown can check that the run left nothing behind in
 * PostgreSQL or Redis. Leftovers are removed and reported on stderr: each
 * test cleans up after itself, and this is the net under a test that failed
 * half-way.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { databaseUrl, PG_ADMIN_URL, REDIS_URL } from './helpers/env.js';
import { deleteKeys } from './helpers/redis-cleanup.js';
import { adminQuery, sql } from './helpers/test-db.js';

export default async function setup(): Promise<() => Promise<void>> {
  const run = (process.env.CATALOG_TEST_RUN ??= randomBytes(3).toString('hex'));
  const template = `catalog_test_template_${run}`;
  process.env.CATALOG_TEST_TEMPLATE = template;
  await adminQuery(`CREATE DATABASE ${template}`);
  execFileSync('npm', ['run', '--silent', 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    const left = await sql<{ datname: string }>(
      PG_ADMIN_URL,
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`catalog_test_${run}_%`],
    );
    for (const { datname } of left)
      await adminQuery(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    const keys = await deleteKeys(REDIS_URL, `t${run}`, { anySuffix: true });
    if (left.length || keys)
      process.stderr.write(
        `test teardown: removed ${left.length} database(s) and ${keys} Redis key(s) a test left behind\n`,
      );
  };
}
