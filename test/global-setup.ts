/**
 * Once per test run: a fresh template database with every migration applied
 * by the real `prisma migrate deploy`. Test files clone it (test-db.ts).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, PG_ADMIN_URL } from './helpers/env.js';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const template = `catalog_test_template_${randomBytes(4).toString('hex')}`;
  process.env.CATALOG_TEST_TEMPLATE = template;
  await admin(`CREATE DATABASE ${template}`);
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return () => admin(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
}
