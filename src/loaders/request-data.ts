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
import type { CachePolicy, CollectionRef } from '../cache/index.js';
import type { ModelName, RowOf } from '../model/registry.js';
import { allRef, type ChildKey, countRef, newestRef, pageRef } from './catalog-loaders.js';
import type { Loaders } from './index.js';
import { type LoaderDeps, policyOf, type RequestScope } from './loader-deps.js';
import type { Page, PageKey, ParentScope } from './pages.js';
import { type RatingStats, ratingStatsRef } from './relation-loaders.js';

export type MaybePromise<T> = T | Promise<T>;

/** Applies `next` to a value now, or when its promise settles. */
export function andThen<T, R>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<R>,
): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

export function createRequestData(deps: LoaderDeps, scope: RequestScope, loaders: Loaders) {
  const { cache } = deps;
  const { stats } = scope;
  // Per model: its policy, looked up once per request.
  const policies = new Map<string, CachePolicy | undefined>();
  const policy = (model: string) => {
    if (!policies.has(model)) policies.set(model, policyOf(deps, model));
    return policies.get(model);
  };

  /** One view of a collection: L1, else its loader (made only then: a warm request makes none). */
  const collection = <K, V>(
    memberModel: string,
    ref: CollectionRef,
    loader: () => DataLoader<K, V, string>,
    key: K,
  ): MaybePromise<V> => {
    const p = policy(memberModel);
    const entry = p && cache.readCollection(p, ref, stats, scope.reads);
    return entry ? (entry.value as V) : loader().load(key);
  };

  return {
    /** One row by id: L1, else its loader. */
    entity<M extends ModelName>(model: M, id: number): MaybePromise<RowOf<M> | null> {
      const p = policy(model);
      const entry = p && cache.readEntity(model, p, id, stats, scope.reads);
      return entry ? (entry.value as RowOf<M> | null) : loaders.entity(model).load(id);
    },
    /** Rows by id, in order, skipping ids that no longer exist: L1 for each, the loader for the rest. */
    entities<M extends ModelName>(model: M, ids: readonly number[]): MaybePromise<Array<RowOf<M>>> {
      const p = policy(model);
      const values: Array<RowOf<M> | null> = new Array<RowOf<M> | null>(ids.length);
      const missing: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const entry = p && cache.readEntity(model, p, ids[i]!, stats, scope.reads);
        if (entry) values[i] = entry.value as RowOf<M> | null;
        else missing.push(i);
      }
      if (missing.length === 0) return present(values);
      return loaders
        .entity(model)
        .loadMany(missing.map((i) => ids[i]!))
        .then((rows) => {
          rows.forEach((row, j) => {
            if (row instanceof Error) throw row;
            values[missing[j]!] = row;
          });
          return present(values);
        });
    },
    /** An id-ordered page of a model's rows (all, or one parent's). */
    page: (key: PageKey): MaybePromise<Page> =>
      collection(key.model, pageRef(key), () => loaders.page(key.model), key),
    /** The total behind a page. */
    count: (model: ModelName, parent: ParentScope | null): MaybePromise<number> =>
      collection(model, countRef(model, parent), () => loaders.count(model), { parent }),
    /** The newest ids of `model` whose foreign key `field` is `key.parentId`. */
    newest: (model: ModelName, field: string, key: ChildKey): MaybePromise<number[]> =>
      collection(model, newestRef(model, field, key), () => loaders.newest(model, field), key),
    /** The ids of every row of a model. */
    allIds: (model: ModelName): MaybePromise<number[]> =>
      collection(
        model,
        allRef(model),
        () => loaders.allIds(model) as DataLoader<'all', number[], string>,
        'all' as const,
      ),
    ratingStats: (productId: number): MaybePromise<RatingStats> =>
      collection(
        'Review',
        ratingStatsRef(productId),
        () => loaders.ratingStats as DataLoader<number, RatingStats, string>,
        productId,
      ),
  };
}

export type RequestData = ReturnType<typeof createRequestData>;

function present<T>(values: ReadonlyArray<T | null>): T[] {
  return values.filter((v): v is T => v !== null);
}
