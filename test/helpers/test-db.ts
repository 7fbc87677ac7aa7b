/**
 * A fresh, migrated database per test file, cloned from the run's template.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, PG_ADMIN_URL, TEMPLATE_DB } from './env.js';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `catalog_test_${process.env.CATALOG_TEST_RUN ?? 'x'}_${randomBytes(5).toString('hex')}`;
  // Two files cloning the template at the same moment: PostgreSQL refuses the
  // second while the first copy holds the template (55006). Try again.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      // pg-pool's end() resolves before its sockets close; forcing the drop at
      // that moment kills backends whose clients are still ending, which pg
      // reports as unhandled errors. Give them a moment to go on their own.
      for (let i = 0; i < 100; i++) {
        const [row] = await sql<{ n: string }>(
          PG_ADMIN_URL,
          'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (Number(row?.n) === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs SQL directly against a test database (as psql would, bypassing the API). */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
