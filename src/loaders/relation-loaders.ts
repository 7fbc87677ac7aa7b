/**
 * Per-request loaders for aggregates the registry's list views do not cover:
 * a product's rating stats (count and mean). One statement per batch, cached
 * as a value under the product's reviews collection, so every review write
 * of that product refreshes it.
 */
import DataLoader from 'dataloader';
import type { CollectionRef } from '../cache/index.js';
import { type LoaderDeps, loadCollections, type RequestScope } from './loader-deps.js';

export interface RatingStats {
  count: number;
  average: number | null;
}

/** The cached collection behind a product's rating stats. */
export function ratingStatsRef(productId: number): CollectionRef {
  return { collection: { model: 'Review', field: 'productId', value: productId }, params: 'stats' };
}

export function createRelationLoaders(deps: LoaderDeps, scope: RequestScope) {
  return {
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
