/**
 * What resolvers read catalog data through: each read is answered
 * synchronously from L1 when L1 holds it (no promise, no DataLoader round),
 * and goes through the request's DataLoaders otherwise. A warm request thus
 * executes as plain synchronous GraphQL; only misses wait.
 *
 * Every value served is counted for the request and recorded in its read set
 * (the L1 path here, the loader path in loader-deps.ts).
 */
import type DataLoader from 'dataloader';
import type { CollectionRef } from '../cache/index.js';
import type { PublicUser } from '../db/cached-shapes.js';
import type { Category, Product, Review } from '../generated/prisma/client.js';
import type { Loaders } from './index.js';
import type { LoaderDeps, RequestScope } from './loader-deps.js';
import type { ProductPage, ProductPageKey } from './pages.js';
import { ALL_CATEGORIES_REF, productCountRef, productPageRef } from './product-page-loaders.js';
import { type ChildKey, type RatingStats, ratingStatsRef, reviewsRef } from './relation-loaders.js';

export type MaybePromise<T> = T | Promise<T>;

/** Applies `next` to a value now, or when its promise settles. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

export function createRequestData(deps: LoaderDeps, scope: RequestScope, loaders: Loaders) {
  const { cache, policies } = deps;
  const { stats } = scope;

  /** One entity by id: L1, else its loader. */
  const entity = <T>(model: string, loader: DataLoader<number, T | null>) => {
    const policy = policies.get(model);
    return (id: number): MaybePromise<T | null> => {
      const entry = policy && cache.readEntity(model, policy, id, stats, scope.reads);
      return entry ? (entry.value as T | null) : loader.load(id);
    };
  };

  /** Entities by id, in order, skipping ids that no longer exist: L1 for each, the loader for the rest. */
  const entities = <T>(model: string, loader: DataLoader<number, T | null>) => {
    const policy = policies.get(model);
    return (ids: readonly number[]): MaybePromise<T[]> => {
      const values: Array<T | null> = new Array<T | null>(ids.length);
      const missing: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const entry = policy && cache.readEntity(model, policy, ids[i]!, stats, scope.reads);
        if (entry) values[i] = entry.value as T | null;
        else missing.push(i);
      }
      if (missing.length === 0) return present(values);
      return loader.loadMany(missing.map((i) => ids[i]!)).then((rows) => {
        rows.forEach((row, j) => {
          if (row instanceof Error) throw row;
          values[missing[j]!] = row;
        });
        return present(values);
      });
    };
  };

  /** One view of a collection: L1, else its loader. */
  const collection = <K, V>(memberType: string, refOf: (key: K) => CollectionRef, loader: DataLoader<K, V, string>) => {
    const policy = policies.get(memberType);
    return (key: K): MaybePromise<V> => {
      const entry = policy && cache.readCollection(policy, refOf(key), stats, scope.reads);
      return entry ? (entry.value as V) : loader.load(key);
    };
  };

  return {
    product: entity<Product>('Product', loaders.product),
    category: entity<Category>('Category', loaders.category),
    review: entity<Review>('Review', loaders.review),
    user: entity<PublicUser>('User', loaders.user),
    products: entities<Product>('Product', loaders.product),
    categories: entities<Category>('Category', loaders.category),
    reviews: entities<Review>('Review', loaders.review),
    reviewIdsByProduct: collection<ChildKey, number[]>('Review', (k) => reviewsRef('productId', k), loaders.reviewIdsByProduct),
    reviewIdsByAuthor: collection<ChildKey, number[]>('Review', (k) => reviewsRef('authorId', k), loaders.reviewIdsByAuthor),
    ratingStats: collection<number, RatingStats>('Review', ratingStatsRef, loaders.ratingStats as DataLoader<number, RatingStats, string>),
    productPage: collection<ProductPageKey, ProductPage>('Product', productPageRef, loaders.productPage),
    productCount: collection<number, number>('Product', productCountRef, loaders.productCount as DataLoader<number, number, string>),
    allCategoryIds: collection<'all', number[]>('Category', () => ALL_CATEGORIES_REF, loaders.allCategoryIds as DataLoader<'all', number[], string>),
  };
}

export type RequestData = ReturnType<typeof createRequestData>;

function present<T>(values: ReadonlyArray<T | null>): T[] {
  return values.filter((v): v is T => v !== null);
}
