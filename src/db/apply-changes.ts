/**
 * Turns committed writes (from the caching extension or the database's change
 * feed) into cache work: write-through of full rows (projected to their
 * cacheable shape), versioned "not found" entries for deletes, version fences
 * for partly known changes, and collection bumps. Then tells other instances.
 */
import type { CatalogCache } from '../cache/catalog-cache.js';
import type { CachePolicy } from '../cache/policy.js';
import type { ChangeBatch } from './extensions/cache-sync.js';

export interface ChangeApplierOptions {
  cache: CatalogCache;
  policies: ReadonlyMap<string, CachePolicy>;
  /** Publishes what other instances must drop from their L1. */
  publish?: (entities: Array<{ key: string; version: number }>, collections: string[]) => Promise<void>;
  warn: (message: string, error?: unknown) => void;
  /** Reduces a written row to what may be cached for its model (src/model/projection.ts). */
  project: (model: string, row: Record<string, unknown>) => Record<string, unknown>;
}

export function createChangeApplier(options: ChangeApplierOptions) {
  const { cache, policies } = options;
  return async (batch: ChangeBatch): Promise<void> => {
    try {
      const known = batch.changes.filter((c) => c.row !== undefined);
      const partial = batch.changes.filter((c) => c.row === undefined && policies.has(c.model));
      const { entities, collections } = await cache.applyChanges(
        known.map((c) => ({ model: c.model, id: c.id, version: c.version, row: c.row ? (options.project(c.model, c.row) as never) : null })),
        batch.collections,
        (model) => policies.get(model),
        batch.epoch ?? cache.l2.knownEpoch,
      );
      for (const [model, list] of groupByModel(partial)) await cache.entities.invalidate(model, policies.get(model)!, list);
      const fenced = partial.map((c) => ({ key: cache.keys.entity(c.model, c.id), version: c.version }));
      await options.publish?.([...entities, ...fenced], collections);
    } catch (error) {
      // The write has committed; a cache failure must not fail it. TTLs bound the damage.
      options.warn('applying committed changes to the cache failed', error);
    }
  };
}

function groupByModel<T extends { model: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(item.model, [...(map.get(item.model) ?? []), item]);
  return map;
}
