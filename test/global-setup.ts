/**
 * Once per test run: a fresh template database with every migration applied
 * by the real `prisma migrate deploy`. Test files clone it (test-db.ts).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { databaseUrl } from './helpers/env.js';
import { adminQuery } from './helpers/test-db.js';

export default async function setup(): Promise<() => Promise<void>> {
  const template = `catalog_test_template_${randomBytes(4).toString('hex')}`;
  process.env.CATALOG_TEST_TEMPLATE = template;
  await adminQuery(`CREATE DATABASE ${template}`);
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return () => adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
}
