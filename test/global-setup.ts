/**
 * Once per test run: a fresh template database with every migration applied
 * by the real `prisma migrate deploy`. Test files clone it (test-db.ts).
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { databaseUrl, PG_ADMIN_URL, TEMPLATE_DB } from './helpers/env.js';

export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(TEMPLATE_DB) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
