/**
 * One cache per database: two databases behind one Redis and the same
 * CACHE_PREFIX never read each other's entries, while two instances of one
 * database share theirs. The namespace comes from the database's identity
 * (src/db/database-identity.ts), which also tells embedded PGlite folders apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { readDatabaseIdentity } from '../../src/db/database-identity.js';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { REDIS_URL } from '../helpers/env.js';
import { countKeys } from '../helpers/redis-cleanup.js';
import { startTestApp, testPrefix, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';

let dbA: TestDatabase;
let dbB: TestDatabase;
let a: TestApp;
let a2: TestApp;
let b: TestApp;
const prefix = testPrefix();

beforeAll(async () => {
  [dbA, dbB] = await Promise.all([createFixtureDatabase(), createFixtureDatabase()]);
  // Both databases are clones of one template: same rows, same versions.
  // Only database A's names change, behind the API's back.
  await sql(dbA.url, `UPDATE "Product" SET name = 'A-' || name`);
  [a, a2, b] = await Promise.all([
    startTestApp({ databaseUrl: dbA.url, prefix }),
    startTestApp({ databaseUrl: dbA.url, prefix }),
    startTestApp({ databaseUrl: dbB.url, prefix }),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.close(), a2?.close(), b?.close()]);
  await Promise.all([dbA?.drop(), dbB?.drop()]);
});

const PRODUCT = 'query($id: ID!) { product(id: $id) { id name } }';

describe('one cache per database', () => {
  it('two databases on one Redis and one CACHE_PREFIX: 0 cross-reads over 60 products', async () => {
    expect(a.app.namespace).not.toBe(b.app.namespace);
    for (let id = 1; id <= 60; id++) await a.query(PRODUCT, { id: String(id) });
    let crossReads = 0;
    for (let id = 1; id <= 60; id++) {
      const res = await b.query<{ product: { name: string } }>(PRODUCT, { id: String(id) });
      if (res.body.data!.product.name.startsWith('A-')) crossReads++;
    }
    expect(crossReads).toBe(0);
    expect(await countKeys(REDIS_URL, a.app.namespace)).toBeGreaterThanOrEqual(60);
    expect(await countKeys(REDIS_URL, b.app.namespace)).toBeGreaterThanOrEqual(60);
  });

  it('two instances of one database share L2: the second reads with 0 SQL', async () => {
    expect(a2.app.namespace).toBe(a.app.namespace);
    await a.query(PRODUCT, { id: '7' });
    const res = await a2.query<{ product: { name: string } }>(PRODUCT, { id: '7' });
    expect(res.body.data!.product.name).toBe('A-Product 7');
    expect(res.body.extensions?.stats).toMatchObject({ sqlStatements: 0, l2Hits: 1 });
  });

  it('invalidations travel only within one database: a write through A reaches A2, never B', async () => {
    await b.query(PRODUCT, { id: '9' });
    await a.query(PRODUCT, { id: '9' });
    await a2.query(PRODUCT, { id: '9' });
    await sql(dbA.url, `UPDATE "Product" SET name = 'A-renamed' WHERE id = 9`);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      (await a2.query<{ product: { name: string } }>(PRODUCT, { id: '9' })).body.data!.product.name,
    ).toBe('A-renamed');
    expect(
      (await b.query<{ product: { name: string } }>(PRODUCT, { id: '9' })).body.data!.product.name,
    ).toBe('Product 9');
  });

  // That one folder keeps its identity across restarts is shown in shutdown.test.ts.
  it('embedded PGlite: two folders get different identities', async () => {
    const dirs = [
      mkdtempSync(path.join(tmpdir(), 'pglite-id-')),
      mkdtempSync(path.join(tmpdir(), 'pglite-id-')),
    ];
    try {
      const identity = async (dir: string) => {
        const db = await openDatabase({
          pgliteDir: path.join(dir, 'data'),
          poolSize: 1,
          onStatement: () => undefined,
        });
        try {
          return (await readDatabaseIdentity(db.prisma)).id;
        } finally {
          await db.close();
        }
      };
      const first = await identity(dirs[0]!);
      const second = await identity(dirs[1]!);
      expect(first).toMatch(/^db[0-9a-f]{12}$/);
      expect(second).not.toBe(first);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
