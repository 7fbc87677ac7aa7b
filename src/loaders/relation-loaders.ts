/**
 * Per-request loaders for relations and aggregates: a product's reviews, a
 * user's reviews, a product's rating stats. Each batch is one SQL statement
 * for all parents (a window function ranks children per parent), and each
 * parent's result is cached as an id list or a value under the collection it
 * depends on. Members come through the entity loaders.
 */
import DataLoader from 'dataloader';
import type { CollectionRef } from '../cache/index.js';
import { Prisma } from '../generated/prisma/client.js';
import { groupBy, type LoaderDeps, loadCollections, type RequestScope } from './loader-deps.js';

export interface ChildKey {
  parentId: number;
  first: number;
}

export interface RatingStats {
  count: number;
  average: number | null;
}

const childKey = (k: ChildKey) => `${k.parentId}:${k.first}`;

/** The cached collection behind the newest `first` reviews of a product or an author. */
export function reviewsRef(parentColumn: 'productId' | 'authorId', k: ChildKey): CollectionRef {
  return { collection: { model: 'Review', field: parentColumn, value: k.parentId }, params: `first=${k.first}` };
}

/** The cached collection behind a product's rating stats. */
export function ratingStatsRef(productId: number): CollectionRef {
  return { collection: { model: 'Review', field: 'productId', value: productId }, params: 'stats' };
}

/** One window query: the newest `first` review ids per parent, for every parent in the batch. */
function reviewIdsPerParent(deps: LoaderDeps, parentColumn: 'productId' | 'authorId') {
  return async (refs: CollectionRef[]): Promise<number[][]> => {
    const out = new Map<string, number[]>();
    const byFirst = groupBy(refs, (r) => r.params);
    for (const [params, group] of byFirst) {
      const first = Number(params.split('=')[1]);
      const parents = group.map((r) => r.collection.value!);
      const column = Prisma.raw(`"${parentColumn}"`);
      const rows = await deps.prisma.$queryRaw<Array<{ id: number; parent: number }>>`
        SELECT id, parent FROM (
          SELECT id, ${column} AS parent,
                 row_number() OVER (PARTITION BY ${column} ORDER BY "createdAt" DESC, id DESC) AS rank
          FROM "Review" WHERE ${column} = ANY(${parents}::int[])
        ) ranked WHERE rank <= ${first} ORDER BY parent, rank`;
      for (const row of rows) {
        const key = `${row.parent}|${params}`;
        out.set(key, [...(out.get(key) ?? []), row.id]);
      }
    }
    return refs.map((r) => out.get(`${r.collection.value}|${r.params}`) ?? []);
  };
}

export function createRelationLoaders(deps: LoaderDeps, scope: RequestScope) {
  const childLoader = (parentColumn: 'productId' | 'authorId') => {
    const fetch = reviewIdsPerParent(deps, parentColumn);
    return new DataLoader<ChildKey, number[], string>(
      (keys) =>
        loadCollections(
          deps,
          scope,
          'Review',
          keys.map((k) => reviewsRef(parentColumn, k)),
          fetch,
        ),
      { cacheKeyFn: childKey },
    );
  };

  return {
    /** Newest reviews of each product. */
    reviewIdsByProduct: childLoader('productId'),
    /** Newest reviews written by each user. */
    reviewIdsByAuthor: childLoader('authorId'),
    /** Review count and average rating per product. */
    ratingStats: new DataLoader<number, RatingStats>((productIds) =>
      loadCollections<RatingStats>(
        deps,
        scope,
        'Review',
        productIds.map(ratingStatsRef),
        async (refs) => {
          const ids = refs.map((r) => r.collection.value!);
          const groups = await deps.prisma.review.groupBy({
            by: ['productId'],
            where: { productId: { in: ids } },
            _count: { _all: true },
            _avg: { rating: true },
          });
          const map = new Map(groups.map((g) => [g.productId, g]));
          return ids.map((id) => {
            const g = map.get(id);
            return { count: g?._count._all ?? 0, average: g?._avg.rating ?? null };
          });
        },
      ),
    ),
  };
}

export type RelationLoaders = ReturnType<typeof createRelationLoaders>;
