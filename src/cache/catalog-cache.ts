/**
 * The tiered cache the rest of the application sees: entities and
 * collections over one L1 and one L2, and the write side that applies a
 * committed change to both tiers.
 */
import type { Metrics } from '../observability/metrics.js';
import type { RequestStats } from '../observability/request-stats.js';
import type { RedisGate } from '../redis/redis-client.js';
import type { CacheRuntime } from './cache-runtime.js';
import { type Codec, msgpackCodec } from './codec.js';
import { CollectionCache, type CollectionRef } from './collection-cache.js';
import { EntityCache } from './entity-cache.js';
import { CacheKeys, type CollectionId } from './keys.js';
import { type L1Entry, L1Store } from './l1-store.js';
import { L2Store } from './l2-store.js';
import type { CacheMode, CachePolicy } from './policy.js';
import type { Dependencies, ReadSet } from './read-set.js';
import { ResponseStore } from './response-store.js';

/** What other instances must drop after L2 recovered from missed changes ('all': all of L1). */
export type RecoveredChange = { entities: Array<{ key: string; version: number }>; collections: string[] } | 'all';

export interface CacheOptions {
  mode: CacheMode;
  prefix: string;
  /** Hash-tag groups of L2 keys, each with its own epoch copy (Redis Cluster); 0: single-node layout. */
  shards?: number;
  l1MaxEntries: number;
  l1MaxBytes: number;
  gate: RedisGate;
  metrics?: Metrics;
  codec?: Codec;
  now?: () => number;
  random?: () => number;
  warn?: (message: string, error?: unknown) => void;
  /** Bytes for whole responses kept for reuse (l1+l2 mode only); 0 turns reuse off. */
  responseReuseBytes?: number;
  /**
   * L2 recovered from changes it missed: other instances must drop older L1
   * copies of these entities and collections, or (`all`, after an epoch
   * advance) all of L1. Wired to the invalidation bus.
   */
  onRecovered?: (change: RecoveredChange) => void;
}

/** One committed row change, as the write path reports it. */
export interface EntityChange {
  model: string;
  id: number;
  /** The row after the write, or null when it was deleted. */
  row: ({ id: number; version: number } & Record<string, unknown>) | null;
  /** The version the change produced (for a delete: the deleted row's version + 1). */
  version: number;
}

export class CatalogCache {
  readonly mode: CacheMode;
  readonly keys: CacheKeys;
  readonly l1: L1Store;
  readonly l2: L2Store;
  readonly entities: EntityCache;
  readonly collections: CollectionCache;
  /** Whole responses for reuse, checked against L1; undefined when reuse is off. */
  readonly responses: ResponseStore<unknown> | undefined;
  private readonly metrics: Metrics | undefined;
  private readonly now: () => number;
  /** Whether L1 is in play (usesL1 without the per-type part). */
  private readonly localReads: boolean;

  constructor(options: CacheOptions) {
    const now = options.now ?? Date.now;
    this.mode = options.mode;
    this.keys = new CacheKeys(options.prefix, options.shards ?? 0);
    this.l1 = new L1Store({ maxEntries: options.l1MaxEntries, maxBytes: options.l1MaxBytes, now });
    this.l2 = new L2Store({
      gate: options.gate,
      keys: this.keys,
      now,
      onRoundTrip: () => options.metrics?.redisRoundTrips.inc(),
      // Recovered from missed changes, or another instance did: what L1 copied from L2 before may be stale.
      onEpochChange: (reason) => {
        if (reason === 'advanced') {
          options.metrics?.cacheEpochAdvances.inc();
          options.onRecovered?.('all');
        }
        this.flushLocal();
        options.metrics?.l1Flushes.inc({ reason: `l2-epoch-${reason}` });
      },
      onMissed: (reason) => options.metrics?.cacheChangesMissed.inc({ reason }),
      onReplayed: (entities, versionKeys) => {
        const collections = versionKeys.map((k) => this.keys.collectionOfVersionKey(k)).filter((n): n is string => Boolean(n));
        for (const name of collections) this.collections.fence.invalidate(name);
        options.onRecovered?.({ entities, collections });
      },
    });
    const runtime: CacheRuntime = {
      mode: options.mode,
      l1: this.l1,
      l2: this.l2,
      keys: this.keys,
      codec: options.codec ?? msgpackCodec(),
      now,
      random: options.random ?? Math.random,
      metrics: options.metrics,
      warn: options.warn ?? (() => undefined),
    };
    this.entities = new EntityCache(runtime);
    this.collections = new CollectionCache(runtime);
    this.metrics = options.metrics;
    this.now = now;
    this.localReads = options.mode === 'l1+l2';
    const reuseBytes = options.responseReuseBytes ?? 0;
    this.responses = options.mode === 'l1+l2' && reuseBytes > 0 ? new ResponseStore({ maxBytes: reuseBytes }) : undefined;
  }

  /**
   * An entity from L1, synchronously, or undefined when L1 does not have it
   * (the caller then goes through its DataLoader). A hit is counted for the
   * request and recorded in its read set.
   */
  readEntity(model: string, policy: CachePolicy, id: number, stats: RequestStats, reads?: ReadSet): L1Entry | undefined {
    const found = this.entityInL1(model, policy, id);
    if (!found) return undefined;
    this.countLocalHit(policy, stats);
    reads?.entity(found.key, found.entry);
    return found.entry;
  }

  /** A view of a collection from L1, synchronously, as `readEntity` does for entities. */
  readCollection(policy: CachePolicy, ref: CollectionRef, stats: RequestStats, reads?: ReadSet): L1Entry | undefined {
    const found = this.viewInL1(policy, ref);
    if (!found) return undefined;
    this.countLocalHit(policy, stats);
    reads?.collection(found.key, found.name, found.entry);
    return found.entry;
  }

  /**
   * Records in `reads` that `value` was served for an entity by a load; the
   * set is spoiled unless L1 holds exactly that value now.
   */
  noteEntity(reads: ReadSet, model: string, policy: CachePolicy | undefined, id: number, value: unknown): void {
    const found = policy && this.entityInL1(model, policy, id);
    if (found && found.entry.value === value) reads.entity(found.key, found.entry);
    else reads.spoil(`${model} ${id} was not served from L1`);
  }

  /** Records in `reads` that `value` was served for a view of a collection, as `noteEntity` does. */
  noteCollection(reads: ReadSet, policy: CachePolicy | undefined, ref: CollectionRef, value: unknown): void {
    const found = policy && this.viewInL1(policy, ref);
    if (found && found.entry.value === value) reads.collection(found.key, found.name, found.entry);
    else reads.spoil(`${ref.collection.model} ${ref.params} was not served from L1`);
  }

  /** The live L1 entry of an entity, with its key; undefined when L1 is not in play for the type or lacks it. */
  private entityInL1(model: string, policy: CachePolicy, id: number): { key: string; entry: L1Entry } | undefined {
    if (!this.localReads || policy.strict) return undefined;
    const key = this.keys.entity(model, id);
    const entry = this.l1.get(key);
    return entry && { key, entry };
  }

  /** The live L1 entry of a collection view, unless the collection was invalidated since it was loaded. */
  private viewInL1(policy: CachePolicy, ref: CollectionRef): { key: string; name: string; entry: L1Entry } | undefined {
    if (!this.localReads || policy.strict) return undefined;
    const name = this.keys.collectionName(ref.collection);
    const key = this.keys.collectionEntryOf(name, ref.params);
    const entry = this.l1.get(key);
    return entry && this.collections.fence.isValid(name, entry.version) ? { key, name, entry } : undefined;
  }

  private countLocalHit(policy: CachePolicy, stats: RequestStats): void {
    stats.l1Hits++;
    this.metrics?.cacheLookups.add('hit', 'l1', policy.type, 1);
  }

  /**
   * Whether L1 still holds every dependency, unexpired, and no collection
   * among them was invalidated since its view was loaded. No lookups: L1
   * marks an entry dead when it lets go of it.
   */
  isCurrent(deps: Dependencies): boolean {
    const { entries, collections } = deps;
    const now = this.now();
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.dead || entry.expiresAt <= now) return false;
      const collection = collections[i];
      if (collection != null && !this.collections.fence.isValid(collection, entry.version)) return false;
    }
    return true;
  }

  /**
   * Applies committed changes: writes new versions through (deletes become
   * versioned "not found" entries, so an older fill cannot resurrect them)
   * and bumps the collections they touch. Returns what other instances must
   * drop from their L1 (see the invalidation bus). `epoch` is the L2 epoch
   * known before the write ran (see EntityCache.store).
   */
  async applyChanges(
    changes: readonly EntityChange[],
    collections: readonly CollectionId[],
    policyOf: (model: string) => CachePolicy | undefined,
    epoch: number | undefined = this.l2.knownEpoch,
  ): Promise<{ entities: Array<{ key: string; version: number }>; collections: string[] }> {
    const byModel = new Map<string, EntityChange[]>();
    for (const change of changes) {
      if (!policyOf(change.model)) continue;
      byModel.set(change.model, [...(byModel.get(change.model) ?? []), change]);
    }
    await Promise.all(
      [...byModel].map(([model, list]) =>
        this.entities.store(
          model,
          policyOf(model)!,
          list.map((c) => ({ id: c.id, version: c.version, value: c.row })),
          epoch,
        ),
      ),
    );
    const { names } = await this.collections.bump(collections);
    return {
      entities: changes.filter((c) => policyOf(c.model)).map((c) => ({ key: this.keys.entity(c.model, c.id), version: c.version })),
      collections: names,
    };
  }

  /** Applies another instance's invalidation to this instance's L1. */
  invalidateLocal(entities: ReadonlyArray<{ key: string; version: number }>, collections: readonly string[]): void {
    for (const { key, version } of entities) this.entities.invalidateLocal(key, version);
    for (const name of collections) this.collections.fence.invalidate(name);
  }

  /** Drops all of L1 (after a lost or out-of-order invalidation message). */
  flushLocal(): void {
    this.l1.clear();
    this.collections.fence.invalidateAll();
    this.responses?.clear();
  }
}
