/**
 * The seed against real PostgreSQL: each test gets a fresh migrated database
 * cloned from the run's template (test/helpers/test-db.ts).
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import {
  DEMO_LOGINS,
  DatabaseNotEmptyError,
  isDatabaseEmpty,
  planSeed,
  resetDatabase,
  seedCatalog,
  type SeedProgress,
} from '../../src/db/seed/index.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/test-db.js';

const opened: Array<{ db: Database; testDb: TestDatabase }> = [];

async function freshDatabase(): Promise<{ db: Database; url: string }> {
  const testDb = await createTestDatabase();
  const db = await openDatabase({
    url: testDb.url,
    pgliteDir: '',
    poolSize: 4,
    onStatement: () => undefined,
  });
  opened.push({ db, testDb });
  return { db, url: testDb.url };
}

afterEach(async () => {
  for (const { db, testDb } of opened.splice(0)) {
    await db.close();
    await testDb.drop();
  }
});

/** A digest of everything a reader sees of the catalog, in id order. */
async function catalogDigest(url: string): Promise<string> {
  const hash = createHash('sha256');
  const queries = [
    'SELECT id, sku, name, description, "priceCents", stock, "categoryId", "brandId", "createdAt" FROM "Product" ORDER BY id',
    'SELECT id, rating, body, "authorId", "productId", "createdAt" FROM "Review" ORDER BY id',
    'SELECT id, email, name, role::text FROM "User" ORDER BY id',
    'SELECT id, "userId", status::text, "totalCents" FROM "Order" ORDER BY id',
  ];
  for (const query of queries) {
    for (const row of await sql(url, query)) hash.update(JSON.stringify(row));
  }
  return hash.digest('hex');
}

async function tableCounts(url: string): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, string>>(
    url,
    `SELECT (SELECT count(*) FROM "Category") AS categories, (SELECT count(*) FROM "Brand") AS brands, (SELECT count(*) FROM "User") AS users,
            (SELECT count(*) FROM "Product") AS products, (SELECT count(*) FROM "Review") AS reviews,
            (SELECT count(*) FROM "Order") AS orders, (SELECT count(*) FROM "OrderItem") AS "orderItems"`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

describe('seedCatalog', () => {
  it(
    'writes identical rows for the same seed, and different rows for another seed',
    { timeout: 60_000 },
    async () => {
      const a = await freshDatabase();
      const b = await freshDatabase();
      const c = await freshDatabase();
      // Different chunk sizes and concurrency must not change the result either.
      await seedCatalog(a.db.prisma, { products: 300, seed: 7, bcryptCost: 4 });
      await seedCatalog(b.db.prisma, {
        products: 300,
        seed: 7,
        bcryptCost: 4,
        chunkSize: 250,
        concurrency: 1,
      });
      await seedCatalog(c.db.prisma, { products: 300, seed: 8, bcryptCost: 4 });
      const [digestA, digestB, digestC] = await Promise.all([
        catalogDigest(a.url),
        catalogDigest(b.url),
        catalogDigest(c.url),
      ]);
      expect(digestB).toBe(digestA);
      expect(digestC).not.toBe(digestA);
    },
  );

  it('scales every table with the product count and reports progress up to the total', async () => {
    const small = await freshDatabase();
    const large = await freshDatabase();
    const progress: SeedProgress[] = [];
    const smallCounts = await seedCatalog(small.db.prisma, { products: 40, bcryptCost: 4 });
    const largeCounts = await seedCatalog(large.db.prisma, {
      products: 1000,
      bcryptCost: 4,
      onProgress: (p) => progress.push(p),
    });

    expect(await tableCounts(small.url)).toEqual(smallCounts);
    expect(await tableCounts(large.url)).toEqual(largeCounts);
    expect(smallCounts).toMatchObject({ products: 40, categories: 4, users: 20, reviews: 200 });
    expect(largeCounts).toMatchObject({
      products: 1000,
      categories: 20,
      users: 500,
      reviews: 5000,
      orders: 50,
    });
    expect(largeCounts).toMatchObject(planSeed(1000));

    const last = progress.at(-1)!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(Object.values(largeCounts).reduce((sum, n) => sum + n, 0));
  });

  it('creates demo logins whose passwords verify with bcryptjs', async () => {
    const { db } = await freshDatabase();
    await seedCatalog(db.prisma, { products: 20 });
    for (const login of DEMO_LOGINS) {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email: login.email } });
      expect(user.role).toBe(login.role);
      expect(user.passwordHash).toMatch(/^\$2[aby]\$10\$/);
      expect(await bcrypt.compare(login.password, user.passwordHash)).toBe(true);
      expect(await bcrypt.compare('wrong-password', user.passwordHash)).toBe(false);
    }
  });

  it('gives SKUs in the SKU-000001 form and leaves id sequences ready for the next insert', async () => {
    const { db } = await freshDatabase();
    await seedCatalog(db.prisma, { products: 30, bcryptCost: 4 });
    const first = await db.prisma.product.findUniqueOrThrow({ where: { id: 1 } });
    expect(first.sku).toBe('SKU-000001');
    expect(first.version).toBe(1);
    const created = await db.prisma.category.create({
      data: { slug: 'new', name: 'New', updatedAt: new Date() },
    });
    expect(created.id).toBe(4);
  });

  it('refuses a database that has rows, and seeds it again after resetDatabase', async () => {
    const { db } = await freshDatabase();
    expect(await isDatabaseEmpty(db.prisma)).toBe(true);
    await seedCatalog(db.prisma, { products: 10, bcryptCost: 4 });
    expect(await isDatabaseEmpty(db.prisma)).toBe(false);
    await expect(seedCatalog(db.prisma, { products: 10, bcryptCost: 4 })).rejects.toBeInstanceOf(
      DatabaseNotEmptyError,
    );

    await resetDatabase(db.prisma);
    expect(await isDatabaseEmpty(db.prisma)).toBe(true);
    const counts = await seedCatalog(db.prisma, { products: 10, bcryptCost: 4 });
    expect(counts.products).toBe(10);
  });

  it('rejects bad options before touching the database', async () => {
    const { db } = await freshDatabase();
    await expect(seedCatalog(db.prisma, { products: 0 })).rejects.toThrow(
      /products must be an integer from 1/,
    );
    await expect(seedCatalog(db.prisma, { seed: -1 })).rejects.toThrow(/seed must be an integer/);
    await expect(seedCatalog(db.prisma, { chunkSize: 0 })).rejects.toThrow(/chunkSize/);
    expect(await isDatabaseEmpty(db.prisma)).toBe(true);
  });
});
