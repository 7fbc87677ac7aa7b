/**
 * Brand, the model added through the registry alone (README, "Adding a
 * cached model"): its page of products is served through both cache tiers,
 * follows a product moving between brands (docs/design.md promise 4) on
 * both instances, and follows writes that bypass the API through the
 * change feed (promise 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { eventually } from '../helpers/eventually.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let a: TestApp;
let b: TestApp;
let writer: PrismaClient;
let acme: number;
let globex: number;

const BRAND = `query($id: ID!, $after: String) {
  brand(id: $id) { id name version products(first: 5, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id brand { id } } } } } }`;

interface BrandView {
  brand: {
    id: string;
    name: string;
    version: number;
    products: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: Array<{ node: { id: string; brand: { id: string } | null } }>;
    };
  } | null;
}
interface Stats {
  sqlStatements: number;
  l1Hits: number;
  l2Hits: number;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The data is written before any API listens, so no change-feed
  // notification of it can arrive after the first reads and spoil the counts.
  const setup = await openDatabase({
    url: db.url,
    pgliteDir: '',
    poolSize: 2,
    onStatement: () => undefined,
  });
  try {
    await loadFixture(setup.prisma);
    acme = (await setup.prisma.brand.create({ data: { slug: 'acme', name: 'Acme' } })).id;
    globex = (await setup.prisma.brand.create({ data: { slug: 'globex', name: 'Globex' } })).id;
    // Products 1-12 are Acme's, 13-20 Globex's, the rest have no brand.
    await setup.prisma.product.updateMany({ where: { id: { lte: 12 } }, data: { brandId: acme } });
    await setup.prisma.product.updateMany({
      where: { id: { gt: 12, lte: 20 } },
      data: { brandId: globex },
    });
  } finally {
    await setup.close();
  }
  // Response reuse off: the warm read must come from L1 itself, not a kept response.
  a = await startTestApp({ databaseUrl: db.url, env: { RESPONSE_REUSE_MAX_BYTES: '0' } });
  b = await startTestApp({
    databaseUrl: db.url,
    prefix: a.prefix,
    env: { RESPONSE_REUSE_MAX_BYTES: '0' },
  });
  writer = a.app.db;
});

afterAll(async () => {
  await a.close();
  await b.close();
  await db.drop();
});

async function brand(t: TestApp, id: number, after?: string) {
  const res = await t.query<BrandView>(BRAND, { id: String(id), after });
  expect(res.body.errors).toBeUndefined();
  return { view: res.body.data!.brand, stats: res.body.extensions!.stats as Stats };
}

const ids = (view: BrandView['brand']) => view!.products.edges.map((e) => Number(e.node.id));

describe('a brand page', () => {
  it('lists its products in id order, page by page, and is served from a warm L1 with no SQL', async () => {
    const first = await brand(a, acme);
    expect(ids(first.view)).toEqual([1, 2, 3, 4, 5]);
    expect(first.view!.products).toMatchObject({ totalCount: 12, pageInfo: { hasNextPage: true } });
    expect(first.view!.products.edges.every((e) => e.node.brand?.id === String(acme))).toBe(true);
    expect(first.stats.sqlStatements).toBeGreaterThan(0);

    const warm = await brand(a, acme);
    expect(warm.view).toEqual(first.view);
    expect(warm.stats.sqlStatements).toBe(0);
    expect(warm.stats.l1Hits).toBeGreaterThan(0);

    // The other instance reads the same page from L2, with no SQL either.
    const shared = await brand(b, acme);
    expect(shared.view).toEqual(first.view);
    expect(shared.stats.sqlStatements).toBe(0);
    expect(shared.stats.l2Hits).toBeGreaterThan(0);

    const next = await brand(a, acme, first.view!.products.pageInfo.endCursor!);
    expect(ids(next.view)).toEqual([6, 7, 8, 9, 10]);
  });

  it('lists every brand by name, and a product without a brand has none', async () => {
    const res = await a.query<{ brands: Array<{ name: string }>; product: { brand: null } }>(
      '{ brands { name } product(id: "40") { brand { id } } }',
    );
    expect(res.body.data).toEqual({
      brands: [{ name: 'Acme' }, { name: 'Globex' }],
      product: { brand: null },
    });
  });

  it("moving a product to another brand updates both brands' pages, at once on the writer and soon on the other instance", async () => {
    for (const t of [a, b, a, b]) {
      await brand(t, acme);
      await brand(t, globex);
    }
    await writer.product.update({ where: { id: 2 }, data: { brandId: globex } });
    const [left, joined] = [(await brand(a, acme)).view!, (await brand(a, globex)).view!];
    expect(ids(left)).not.toContain(2);
    expect(left.products.totalCount).toBe(11);
    expect(ids(joined)).toContain(2);
    expect(joined.products.totalCount).toBe(9);
    await eventually(async () => {
      expect(ids((await brand(b, acme)).view)).not.toContain(2);
      const other = (await brand(b, globex)).view!;
      expect(ids(other)).toContain(2);
      expect(other.products.totalCount).toBe(9);
    });
  });

  it('follows writes that bypass the API (psql) through the change feed, on every instance', async () => {
    for (const t of [a, b, a, b]) await brand(t, globex);
    const before = (await brand(a, globex)).view!;
    await sql(db.url, `UPDATE "Brand" SET name = 'Globex Corp' WHERE id = $1`, [globex]);
    await sql(db.url, `UPDATE "Product" SET "brandId" = $1 WHERE id = 1`, [globex]);
    for (const t of [a, b]) {
      await eventually(async () => {
        const view = (await brand(t, globex)).view!;
        expect(view).toMatchObject({ name: 'Globex Corp', version: before.version + 1 });
        expect(ids(view)[0]).toBe(1);
        expect(view.products.totalCount).toBe(before.products.totalCount + 1);
        expect(ids((await brand(t, acme)).view)).not.toContain(1);
      });
    }
  });

  it('a deleted brand is gone at once, and its products lose their brand', async () => {
    const gone = (await writer.brand.create({ data: { slug: 'gone', name: 'Gone' } })).id;
    await writer.product.update({ where: { id: 30 }, data: { brandId: gone } });
    for (const t of [a, b, a]) await brand(t, gone);
    await writer.brand.delete({ where: { id: gone } });
    expect((await brand(a, gone)).view).toBeNull();
    for (const t of [a, b]) {
      await eventually(async () => {
        const res = await t.query<{ product: { brand: null } }>(
          '{ product(id: "30") { brand { id } } }',
        );
        expect(res.body.data).toEqual({ product: { brand: null } });
      });
    }
  });
});
