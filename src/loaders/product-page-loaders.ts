/**
 * Per-request loaders for product pages (all products, or one category's) and
 * their total counts. Pages of several categories requested together (a list
 * of categories, each with `products(first: N)`) are one SQL statement.
 */
import DataLoader from 'dataloader';
import type { CollectionRef } from '../cache/index.js';
import type { CollectionId } from '../cache/index.js';
import { groupBy, type LoaderDeps, loadCollections, type RequestScope } from './loader-deps.js';
import type { ProductPage, ProductPageKey } from './pages.js';

const scopeOf = (categoryId: number | null): CollectionId =>
  categoryId === null ? { model: 'Product', field: null, value: null } : { model: 'Product', field: 'categoryId', value: categoryId };

const pageParams = (k: ProductPageKey) => `page.first=${k.first}.after=${k.afterId}`;

/** The cached collection behind a product page. */
export function productPageRef(k: ProductPageKey): CollectionRef {
  return { collection: scopeOf(k.categoryId), params: pageParams(k) };
}

/** The cached collection behind a product count (0: all products). */
export function productCountRef(categoryId: number): CollectionRef {
  return { collection: scopeOf(categoryId || null), params: 'count' };
}

/** The cached collection behind the list of all categories. */
export const ALL_CATEGORIES_REF: CollectionRef = { collection: { model: 'Category', field: null, value: null }, params: 'all' };

export function createProductPageLoaders(deps: LoaderDeps, scope: RequestScope) {
  const fetchPages = async (keys: ProductPageKey[]): Promise<ProductPage[]> => {
    const results = new Map<string, ProductPage>();
    // One statement per distinct (first, after): all categories at once.
    for (const group of groupBy(keys, pageParams).values()) {
      const { first, afterId } = group[0]!;
      const categories = group.map((k) => k.categoryId).filter((c): c is number => c !== null);
      if (group.some((k) => k.categoryId === null)) {
        const rows = await deps.prisma.product.findMany({
          where: { id: { gt: afterId } },
          orderBy: { id: 'asc' },
          take: first + 1,
          select: { id: true },
        });
        results.set(`null|${pageParams(group[0]!)}`, toPage({ categoryId: null, first, afterId }, rows.map((r) => r.id)));
      }
      if (categories.length > 0) {
        const rows = await deps.prisma.$queryRaw<Array<{ id: number; categoryId: number }>>`
          SELECT id, "categoryId" FROM (
            SELECT id, "categoryId", row_number() OVER (PARTITION BY "categoryId" ORDER BY id) AS rank
            FROM "Product" WHERE "categoryId" = ANY(${categories}::int[]) AND id > ${afterId}
          ) ranked WHERE rank <= ${first + 1} ORDER BY "categoryId", id`;
        const byCategory = groupBy(rows, (r) => String(r.categoryId));
        for (const categoryId of categories) {
          const ids = (byCategory.get(String(categoryId)) ?? []).map((r) => r.id);
          results.set(`${categoryId}|${pageParams(group[0]!)}`, toPage({ categoryId, first, afterId }, ids));
        }
      }
    }
    return keys.map((k) => results.get(`${k.categoryId}|${pageParams(k)}`)!);
  };

  return {
    productPage: new DataLoader<ProductPageKey, ProductPage, string>(
      (keys) =>
        loadCollections<ProductPage>(
          deps,
          scope,
          'Product',
          keys.map(productPageRef),
          (refs: CollectionRef[]) => fetchPages(refs.map((r) => keyFromRef(r, keys))),
        ),
      { cacheKeyFn: (k) => `${k.categoryId}|${pageParams(k)}` },
    ),
    /** Ids of all categories, by slug. */
    allCategoryIds: new DataLoader<'all', number[]>((keys) =>
      loadCollections<number[]>(deps, scope, 'Category', [ALL_CATEGORIES_REF], async () => {
        const rows = await deps.prisma.category.findMany({ orderBy: { slug: 'asc' }, select: { id: true } });
        return [rows.map((r) => r.id)];
      }).then(([ids]) => keys.map(() => ids!)),
    ),
    /** Total products in a category, or of all products for ALL_PRODUCTS (0). */
    productCount: new DataLoader<number, number>((scopes) =>
        loadCollections<number>(
          deps,
          scope,
          'Product',
          scopes.map(productCountRef),
          async (refs) => {
            const wanted = refs.map((r) => r.collection.value);
            const categories = wanted.filter((c): c is number => c !== null);
            const total = wanted.includes(null) ? await deps.prisma.product.count() : 0;
            const groups = categories.length
              ? await deps.prisma.product.groupBy({ by: ['categoryId'], where: { categoryId: { in: categories } }, _count: { _all: true } })
              : [];
            const counts = new Map(groups.map((g) => [g.categoryId, g._count._all]));
            return wanted.map((c) => (c === null ? total : (counts.get(c) ?? 0)));
          },
        ),
    ),
  };
}

function toPage(key: ProductPageKey, ids: number[]): ProductPage {
  return { key, ids: ids.slice(0, key.first), hasNextPage: ids.length > key.first };
}

/** Finds the page key a collection ref was made from. */
function keyFromRef(ref: CollectionRef, keys: readonly ProductPageKey[]): ProductPageKey {
  return keys.find((k) => pageParams(k) === ref.params && (k.categoryId ?? null) === ref.collection.value)!;
}

export type ProductPageLoaders = ReturnType<typeof createProductPageLoaders>;
