/**
 * The write-path matrix (promises 2, 3, 4): every write operation, inside and
 * outside transactions, and a rolled-back transaction, followed by reads on
 * two instances sharing Redis and PostgreSQL. No stale value, nothing from
 * the rollback. And a write that bypasses the API (plain SQL, as psql would)
 * is visible through the API within a second.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { REDIS_URL } from '../helpers/env.js';
import { eventually } from '../helpers/eventually.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let a: TestApp;
let b: TestApp;
let writer: PrismaClient;

const PRODUCT = `query($id: ID!) { product(id: $id) { id name stock version category { id } } }`;
const CATEGORY = `query($id: ID!) { category(id: $id) { products(first: 100) { totalCount edges { node { id } } } } }`;
const ALL = `{ products(first: 100) { totalCount } }`;

type ProductView = {
  product: {
    id: string;
    name: string;
    stock: number;
    version: number;
    category: { id: string };
  } | null;
};
type CategoryView = {
  category: { products: { totalCount: number; edges: Array<{ node: { id: string } }> } };
};

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startTestApp({ databaseUrl: db.url });
  b = await startTestApp({ databaseUrl: db.url, prefix: a.prefix });
  await loadFixture(a.app.prisma);
  writer = a.app.db;
});

afterAll(async () => {
  await a.close();
  await b.close();
  await db.drop();
});

/** Reads on both instances twice (filling L2 and both L1s). */
async function warm(...queries: Array<[string, Record<string, unknown>]>) {
  for (const t of [a, b, a, b]) for (const [q, v] of queries) await t.query(q, v);
}

async function product(t: TestApp, id: number) {
  return (await t.query<ProductView>(PRODUCT, { id: String(id) })).body.data!.product;
}

async function categoryIds(t: TestApp, id: number) {
  const res = await t.query<CategoryView>(CATEGORY, { id: String(id) });
  return res.body.data!.category.products.edges.map((e) => Number(e.node.id));
}

/** Instance b learns of a's writes through the change feed; allow it its delivery time. */
function arrives<T>(read: () => Promise<T>, check: (value: T) => void): Promise<void> {
  return eventually(async () => check(await read()), { attempts: 50 });
}

describe('writes are visible on both instances', () => {
  it('update: the writing instance reads it at once, the other within the delivery time', async () => {
    await warm([PRODUCT, { id: '11' }]);
    const updated = await writer.product.update({ where: { id: 11 }, data: { name: 'Updated' } });
    expect((await product(a, 11))!.name).toBe('Updated');
    await arrives(
      () => product(b, 11),
      (p) => expect(p).toMatchObject({ name: 'Updated', version: updated.version }),
    );
  });

  it('create: appears in the category list and the global count', async () => {
    await warm([CATEGORY, { id: '2' }], [ALL, {}]);
    const created = await writer.product.create({
      data: { sku: 'NEW-1', name: 'New', description: '', priceCents: 1, stock: 1, categoryId: 2 },
    });
    expect(await categoryIds(a, 2)).toContain(created.id);
    await arrives(
      () => categoryIds(b, 2),
      (ids) => expect(ids).toContain(created.id),
    );
  });

  it('createMany and createManyAndReturn: lists follow', async () => {
    await warm([CATEGORY, { id: '3' }]);
    await writer.product.createMany({
      data: [{ sku: 'CM-1', name: 'x', description: '', priceCents: 1, stock: 1, categoryId: 3 }],
    });
    const [returned] = await writer.product.createManyAndReturn({
      data: [{ sku: 'CM-2', name: 'y', description: '', priceCents: 1, stock: 1, categoryId: 3 }],
    });
    const ids = await categoryIds(a, 3);
    expect(ids).toContain(returned!.id);
    expect(ids.length).toBe(
      Number(
        (await sql(db.url, 'SELECT count(*) AS n FROM "Product" WHERE "categoryId" = 3'))[0]!.n,
      ),
    );
  });

  it('foreign-key change: leaves the old category list and joins the new one', async () => {
    await warm([CATEGORY, { id: '4' }], [CATEGORY, { id: '5' }], [PRODUCT, { id: '14' }]);
    expect(await categoryIds(a, 4)).toContain(14);
    await writer.product.update({ where: { id: 14 }, data: { categoryId: 5 } });
    for (const t of [a, b]) {
      await arrives(
        () => categoryIds(t, 4),
        (ids) => expect(ids).not.toContain(14),
      );
      await arrives(
        () => categoryIds(t, 5),
        (ids) => expect(ids).toContain(14),
      );
    }
  });

  it('updateMany: every matched row is fresh', async () => {
    await warm([PRODUCT, { id: '21' }], [PRODUCT, { id: '22' }]);
    await writer.product.updateMany({ where: { id: { in: [21, 22] } }, data: { stock: 77 } });
    for (const id of [21, 22]) {
      expect((await product(a, id))!.stock).toBe(77);
      await arrives(
        () => product(b, id),
        (p) => expect(p!.stock).toBe(77),
      );
    }
  });

  it('upsert (update branch and create branch)', async () => {
    await warm([PRODUCT, { id: '23' }]);
    await writer.product.upsert({
      where: { id: 23 },
      update: { name: 'Upserted' },
      create: { sku: 'U-0', name: 'n', description: '', priceCents: 1, stock: 1, categoryId: 1 },
    });
    const created = await writer.product.upsert({
      where: { sku: 'U-1' },
      update: {},
      create: {
        sku: 'U-1',
        name: 'Fresh',
        description: '',
        priceCents: 1,
        stock: 1,
        categoryId: 1,
      },
    });
    expect((await product(a, 23))!.name).toBe('Upserted');
    expect((await product(a, created.id))!.name).toBe('Fresh');
  });

  it('delete and deleteMany: gone on both instances, and from lists', async () => {
    await warm(
      [PRODUCT, { id: '31' }],
      [PRODUCT, { id: '32' }],
      [PRODUCT, { id: '33' }],
      [CATEGORY, { id: '2' }],
    );
    await writer.product.delete({ where: { id: 31 } });
    await writer.product.deleteMany({ where: { id: { in: [32, 33] } } });
    for (const t of [a, b]) {
      for (const id of [31, 32, 33])
        await arrives(
          () => product(t, id),
          (p) => expect(p).toBeNull(),
        );
    }
    expect(await categoryIds(a, 2)).not.toContain(32);
  });

  it('interactive transaction: applied after commit', async () => {
    await warm([PRODUCT, { id: '41' }]);
    await writer.$transaction(async (tx) => {
      await tx.product.update({ where: { id: 41 }, data: { name: 'In tx' } });
      // Not committed yet: the cache must not have it.
      expect((await product(a, 41))!.name).toBe('Product 41');
    });
    expect((await product(a, 41))!.name).toBe('In tx');
    await arrives(
      () => product(b, 41),
      (p) => expect(p!.name).toBe('In tx'),
    );
  });

  it('batch transaction: applied after commit', async () => {
    await warm([PRODUCT, { id: '42' }], [PRODUCT, { id: '43' }]);
    await writer.$transaction([
      writer.product.update({ where: { id: 42 }, data: { stock: 1 } }),
      writer.product.update({ where: { id: 43 }, data: { stock: 2 } }),
    ]);
    expect((await product(a, 42))!.stock).toBe(1);
    expect((await product(a, 43))!.stock).toBe(2);
  });

  it('a rolled-back transaction leaves both instances untouched', async () => {
    await warm([PRODUCT, { id: '44' }]);
    const before = await product(a, 44);
    await expect(
      writer.$transaction(async (tx) => {
        await tx.product.update({ where: { id: 44 }, data: { name: 'Rolled back' } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await new Promise((r) => setTimeout(r, 100));
    for (const t of [a, b]) expect(await product(t, 44)).toEqual(before);
  });

  it('an UPDATE through plain SQL (as psql) is visible through the API within a second', async () => {
    await warm([PRODUCT, { id: '51' }]);
    await sql(db.url, `UPDATE "Product" SET name = 'From psql' WHERE id = 51`);
    // `eventually` gives up after about a second.
    for (const t of [a, b])
      await arrives(
        () => product(t, 51),
        (p) => expect(p!.name).toBe('From psql'),
      );
  });
});

describe('an instance told of a version never serves an older record from L2', () => {
  it('after the change feed announced version 2, a version-1 record put back into L2 (a write-through that failed or landed late) is refused', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      await warm([PRODUCT, { id: '52' }]);
      const key = a.app.cache.keys.entity('Product', 52);
      const older = await redis.getBuffer(key);
      expect(older).not.toBeNull();
      await sql(db.url, `UPDATE "Product" SET name = 'Floor' WHERE id = 52`);
      // Both instances heard of version 2: their L1 copies are gone, L2 holds a fence.
      await eventually(async () => {
        for (const t of [a, b]) expect(t.app.cache.l1.get(key)).toBeUndefined();
        expect((await redis.getBuffer(key))?.equals(older!)).toBe(false);
      });
      // L2 goes back to the version-1 record, as if the write's own write-through were late.
      await redis.set(key, older!, 'PX', 60_000);
      for (const t of [a, b]) {
        const p = await product(t, 52);
        expect(p!.name).toBe('Floor');
        expect(p!.version).toBe(2);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('an update bumps the collections it can change, and only those', () => {
  const STATS = `query($id: ID!) { product(id: $id) { reviewCount averageRating } }`;
  const CATEGORIES = `{ categories { id slug } }`;
  type Stats = { product: { reviewCount: number; averageRating: number | null } };

  /** The SQL statements a read of a category's list costs on `t` (0: its page and count were still cached). */
  async function listCost(t: TestApp, category: number) {
    const res = await t.query<CategoryView>(CATEGORY, { id: String(category) });
    return (res.body.extensions!.stats as { sqlStatements: number }).sqlStatements;
  }

  it('a price or stock change, through the API or plain SQL, leaves the lists of its category cached', async () => {
    const row = await writer.product.findUniqueOrThrow({ where: { id: 61 } });
    await warm([CATEGORY, { id: String(row.categoryId) }], [PRODUCT, { id: '61' }]);
    for (const t of [a, b]) expect(await listCost(t, row.categoryId)).toBe(0);

    await writer.product.update({ where: { id: 61 }, data: { stock: 7, priceCents: 1234 } });
    await sql(db.url, `UPDATE "Product" SET stock = 8 WHERE id = 61`);
    for (const t of [a, b]) {
      await arrives(
        () => product(t, 61),
        (p) => expect(p!.stock).toBe(8),
      );
      expect(await listCost(t, row.categoryId)).toBe(0);
    }
    // A change of category does move it (a new page and count are loaded).
    await writer.product.update({
      where: { id: 61 },
      data: { categoryId: row.categoryId === 1 ? 2 : 1 },
    });
    expect(await listCost(a, row.categoryId)).toBeGreaterThan(0);
    expect(await categoryIds(a, row.categoryId)).not.toContain(61);
  });

  it('a rating change refreshes the product rating stats, through the API and plain SQL', async () => {
    const review = await writer.review.findFirstOrThrow({ orderBy: { id: 'asc' } });
    const id = String(review.productId);
    await warm([STATS, { id }]);
    const average = async (t: TestApp) =>
      (await t.query<Stats>(STATS, { id })).body.data!.product.averageRating;
    const expected = async () =>
      Number(
        (
          await sql(db.url, `SELECT avg(rating)::float AS a FROM "Review" WHERE "productId" = $1`, [
            review.productId,
          ])
        )[0]!.a,
      );

    await writer.review.update({
      where: { id: review.id },
      data: { rating: review.rating === 1 ? 5 : 1 },
    });
    const viaApi = await expected();
    expect(await average(a)).toBeCloseTo(viaApi);
    await arrives(
      () => average(b),
      (v) => expect(v).toBeCloseTo(viaApi),
    );

    await sql(db.url, `UPDATE "Review" SET rating = 3 WHERE id = $1`, [review.id]);
    const viaSql = await expected();
    for (const t of [a, b])
      await arrives(
        () => average(t),
        (v) => expect(v).toBeCloseTo(viaSql),
      );
  });

  it('a change of the column a list is ordered by reorders it', async () => {
    await warm([CATEGORIES, {}]);
    const slugs = async (t: TestApp) =>
      (
        await t.query<{ categories: Array<{ slug: string }> }>(CATEGORIES)
      ).body.data!.categories.map((c) => c.slug);
    const first = await writer.category.findFirstOrThrow({ orderBy: { slug: 'asc' } });
    await writer.category.update({ where: { id: first.id }, data: { slug: 'zzz-last' } });
    expect((await slugs(a)).at(-1)).toBe('zzz-last');
    await arrives(
      () => slugs(b),
      (s) => expect(s.at(-1)).toBe('zzz-last'),
    );
    await sql(db.url, `UPDATE "Category" SET slug = 'aaa-first' WHERE id = $1`, [first.id]);
    for (const t of [a, b])
      await arrives(
        () => slugs(t),
        (s) => expect(s[0]).toBe('aaa-first'),
      );
  });
});
