/**
 * What every loader factory receives: the database, the cache and the cache
 * policy per type. Built once per process; loaders themselves are per request.
 */
import type { CatalogCache } from '../cache/catalog-cache.js';
import type { CollectionRef } from '../cache/collection-cache.js';
import type { VersionedRow } from '../cache/entity-cache.js';
import type { CachePolicy } from '../cache/policy.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface LoaderDeps {
  prisma: PrismaClient;
  cache: CatalogCache;
  /** Cache policy per GraphQL type name; types without one are not cached. */
  policies: ReadonlyMap<string, CachePolicy>;
}

/** Loads entities through the cache when the type has a policy, else straight from the database. */
export function loadEntities<T extends VersionedRow>(
  deps: LoaderDeps,
  model: string,
  ids: readonly number[],
  fetch: (ids: number[]) => Promise<T[]>,
): Promise<Array<T | null>> {
  const policy = deps.policies.get(model);
  if (policy) return deps.cache.entities.loadMany(model, policy, ids, fetch);
  return fetch([...ids]).then((rows) => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** Loads collection views through the cache under the member type's policy. */
export function loadCollections<V>(
  deps: LoaderDeps,
  memberType: string,
  refs: readonly CollectionRef[],
  fetch: (refs: CollectionRef[]) => Promise<V[]>,
): Promise<V[]> {
  const policy = deps.policies.get(memberType);
  if (policy) return deps.cache.collections.loadMany(policy, refs, fetch);
  return fetch([...refs]);
}

/** Groups items by a string key, keeping order. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
