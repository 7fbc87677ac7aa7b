/**
 * What every loader factory receives: the database, the cache and the cache
 * policy per type. Built once per process; loaders themselves are per request.
 */
import type { CatalogCache } from '../cache/index.js';
import type { CollectionRef } from '../cache/index.js';
import type { VersionedRow } from '../cache/index.js';
import type { CachePolicy } from '../cache/index.js';
import type { ReadSet } from '../cache/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { CachedShapes } from '../model/projection.js';
import { sdlTypeOf } from '../model/registry.js';
import type { RequestStats } from '../observability/request-stats.js';

export interface LoaderDeps {
  prisma: PrismaClient;
  cache: CatalogCache;
  /** Cache policy per GraphQL type name; types without one are not cached. */
  policies: ReadonlyMap<string, CachePolicy>;
  /** What of each model's row may be cached (from the SDL's `@private`). */
  shapes: CachedShapes;
}

/** A registered model's cache policy (from `@cacheable` on its SDL type), if it has one. */
export function policyOf(
  deps: Pick<LoaderDeps, 'policies'>,
  model: string,
): CachePolicy | undefined {
  return deps.policies.get(sdlTypeOf(model));
}

/**
 * What loaders know of the request they serve: its counters, and the read
 * set that response reuse checks (absent when the response cannot be reused).
 */
export interface RequestScope {
  stats: RequestStats;
  reads?: ReadSet;
}

/**
 * Loads entities through the cache when the type has a policy, else straight
 * from the database, and records each value served in the request's read set.
 */
export async function loadEntities<T extends VersionedRow>(
  deps: LoaderDeps,
  scope: RequestScope,
  model: string,
  ids: readonly number[],
  fetch: (ids: number[]) => Promise<T[]>,
): Promise<Array<T | null>> {
  const policy = policyOf(deps, model);
  let rows: Array<T | null>;
  if (policy) {
    rows = await deps.cache.entities.loadMany(model, policy, ids, fetch, scope.stats);
  } else {
    const map = new Map((await fetch([...ids])).map((r) => [r.id, r]));
    rows = ids.map((id) => map.get(id) ?? null);
  }
  const reads = scope.reads;
  if (reads) ids.forEach((id, i) => deps.cache.noteEntity(reads, model, policy, id, rows[i]));
  return rows;
}

/**
 * Loads collection views through the cache under the member type's policy,
 * and records each value served in the request's read set.
 */
export async function loadCollections<V>(
  deps: LoaderDeps,
  scope: RequestScope,
  memberType: string,
  refs: readonly CollectionRef[],
  fetch: (refs: CollectionRef[]) => Promise<V[]>,
): Promise<V[]> {
  const policy = policyOf(deps, memberType);
  const values = policy
    ? await deps.cache.collections.loadMany(policy, refs, fetch, scope.stats)
    : await fetch([...refs]);
  const reads = scope.reads;
  if (reads) refs.forEach((ref, i) => deps.cache.noteCollection(reads, policy, ref, values[i]));
  return values;
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
