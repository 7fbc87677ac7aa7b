/**
 * The tiered cache the rest of the application sees: entities and
 * collections over one L1 and one L2, the one write door (`apply`) through
 * which every committed change reaches both tiers, and the invalidation bus
 * it owns (what other instances publish is applied to this L1; what this
 * instance applies is published to them).
 */
import { randomUUID } from 'node:crypto';
import type { Metrics } from '../observability/metrics.js';
import type { RequestStats } from '../observability/request-stats.js';
import type { CacheRuntime } from './cache-runtime.js';
import { msgpackCodec } from './codec.js';
import type { CommitSink, CommittedBatch, CommittedChange } from './committed-batch.js';
import type {
  CallGate,
  Clock,
  Codec,
  IdSource,
  InvalidationTransport,
  L1Tier,
  L2Driver,
} from './contracts.js';
import { CollectionCache, type CollectionRef } from './collection-cache.js';
import { EntityCache } from './entity-cache.js';
import { FeedEchoes, type WriteOutcome } from './feed-echoes.js';
import { InvalidationBus } from './invalidation-bus.js';
import { CacheKeys } from './keys.js';
import { type L1Entry, L1Store } from './l1-store.js';
import { L2Store } from './l2-store.js';
import type { CacheMode, CachePolicy } from './policy.js';
import type { Dependencies, ReadSet } from './read-set.js';
import { ResponseStore } from './response-store.js';

/** L2's storage and the failure policy its calls go through (see redisL2 / memoryL2). */
export interface L2Backend {
  driver: L2Driver;
  gate: CallGate;
}

export interface CacheOptions {
  mode: CacheMode;
  prefix: string;
  /** Hash-tag groups of L2 keys, each with its own epoch copy (Redis Cluster); 0: single-node layout. */
  shards?: number;
  l1MaxEntries: number;
  l1MaxBytes: number;
  l2: L2Backend;
  /**
   * How invalidations reach the other instances; the cache builds and owns
   * the bus on it. Absent: nothing is published or received (one instance).
   */
  transport?: InvalidationTransport;
  /** Cache policy per model (from @cacheable); `apply` ignores changes to other models. */
  policies?: ReadonlyMap<string, CachePolicy>;
  /** Reduces a written row to what may be cached for its model (viewer-independent fields only). */
  project?: (model: string, row: Record<string, unknown>) => Record<string, unknown>;
  metrics?: Metrics;
  codec?: Codec;
  now?: Clock;
  random?: () => number;
  /** Ids of this instance on the bus. */
  newId?: IdSource;
  warn?: (message: string, error?: unknown) => void;
  /** Bytes for whole responses kept for reuse (l1+l2 mode only); 0 turns reuse off. */
  responseReuseBytes?: number;
}

export class CatalogCache implements CommitSink {
  readonly mode: CacheMode;
  readonly keys: CacheKeys;
  readonly l1: L1Tier;
  readonly l2: L2Store;
  readonly entities: EntityCache;
  readonly collections: CollectionCache;
  /** Whole responses for reuse, checked against L1; undefined when reuse is off. */
  readonly responses: ResponseStore<unknown> | undefined;
  /** The invalidation bus; undefined without a transport. */
  readonly bus: InvalidationBus | undefined;
  private readonly metrics: Metrics | undefined;
  private readonly now: Clock;
  private readonly policies: ReadonlyMap<string, CachePolicy>;
  private readonly project: (
    model: string,
    row: Record<string, unknown>,
  ) => Record<string, unknown>;
  private readonly warn: (message: string, error?: unknown) => void;
  /** Whether L1 is in play (usesL1 without the per-type part). */
  private readonly localReads: boolean;
  /** Own writes until their change-feed echo arrives (see feed-echoes.ts). */
  private readonly echoes: FeedEchoes;

  constructor(options: CacheOptions) {
    const now = options.now ?? Date.now;
    this.mode = options.mode;
    this.keys = new CacheKeys(options.prefix, options.shards ?? 0);
    this.policies = options.policies ?? new Map();
    this.project = options.project ?? ((_model, row) => row);
    this.warn = options.warn ?? (() => undefined);
    this.l1 = new L1Store({ maxEntries: options.l1MaxEntries, maxBytes: options.l1MaxBytes, now });
    this.l2 = new L2Store({
      driver: options.l2.driver,
      gate: options.l2.gate,
      keys: this.keys,
      now,
      onRoundTrip: () => options.metrics?.redisRoundTrips.inc(),
      // Recovered from missed changes, or another instance did: what L1 copied from L2 before may be stale.
      onEpochChange: (reason) => {
        if (reason === 'advanced') {
          options.metrics?.cacheEpochAdvances.inc();
          // Records every instance copied into L1 may be stale: all of them drop L1.
          void this.bus?.publish([], [], true);
        }
        this.flushLocal();
        options.metrics?.l1Flushes.inc({ reason: `l2-epoch-${reason}` });
      },
      onMissed: (reason) => options.metrics?.cacheChangesMissed.inc({ reason }),
      onReplayed: (entities, versionKeys) => {
        const collections = versionKeys
          .map((k) => this.keys.collectionOfVersionKey(k))
          .filter((n): n is string => Boolean(n));
        for (const name of collections) this.collections.fence.invalidate(name);
        // Other instances may have copied the older records into L1 before.
        void this.bus?.publish(entities, collections);
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
      warn: this.warn,
    };
    this.entities = new EntityCache(runtime);
    this.collections = new CollectionCache(runtime);
    this.metrics = options.metrics;
    this.now = now;
    this.localReads = options.mode === 'l1+l2';
    const reuseBytes = options.responseReuseBytes ?? 0;
    this.responses =
      options.mode === 'l1+l2' && reuseBytes > 0
        ? new ResponseStore({ maxBytes: reuseBytes })
        : undefined;
    const metrics = options.metrics;
    this.echoes = new FeedEchoes({
      keyOf: (c) => (this.policies.has(c.model) ? this.keys.entity(c.model, c.id) : undefined),
      nameOf: (c) => this.keys.collectionName(c),
    });
    this.bus =
      options.transport &&
      new InvalidationBus({
        transport: options.transport,
        newId: options.newId ?? randomUUID,
        now,
        onInvalidate: (entities, collections) => {
          metrics?.invalidationsReceived.inc();
          this.invalidateLocal(entities, collections);
        },
        onReceived: (_message, delayMs) =>
          metrics?.invalidationDelay.observe(Math.max(0, delayMs) / 1000),
        onFlush: (reason) => {
          this.flushLocal();
          metrics?.l1Flushes.inc({ reason: `bus-${reason}` });
        },
        onPublished: () => metrics?.invalidationsPublished.inc(),
      });
  }

  /** The L2 epoch this instance last saw; writers snapshot it before a write runs. */
  get knownEpoch(): number | undefined {
    return this.l2.knownEpoch;
  }

  /**
   * The write door: applies a committed batch to both tiers, then tells the
   * other instances:
   * 1. write-through of full rows, projected to their cacheable shape
   *    (deletes become versioned "not found" entries, so an older fill
   *    cannot resurrect them), version-guarded, under the batch's epoch;
   * 2. collection bumps;
   * 3. fences for partly known rows (readers reload them);
   * 4. once 1 to 3 are done (they run together), publish (key, version)
   *    pairs and collections on the bus, unless the batch came from the
   *    change feed (every instance receives that itself). When step 1 is
   *    one write-through and nothing else, on one standalone Redis, its
   *    script publishes the message (InvalidationBus.carry): one round trip.
   * A feed batch that echoes this instance's own write first loses what that
   * write did (feed-echoes.ts). Never throws: the write has committed; TTLs
   * bound what a failure leaves.
   */
  async apply(committed: CommittedBatch): Promise<void> {
    // The feed's echo of this write may arrive while it is being applied: it waits for the outcome.
    const settle = committed.origin === 'write' ? this.echoes.expect(committed) : undefined;
    let outcome: WriteOutcome;
    try {
      const batch = committed.origin === 'feed' ? await this.stripEcho(committed) : committed;
      const epoch = batch.epoch ?? this.l2.knownEpoch;
      const cached = batch.changes.filter((c) => this.policies.has(c.model));
      const known = [...groupByModel(cached.filter((c) => c.row !== undefined))];
      const partial = groupByModel(cached.filter((c) => c.row === undefined));
      const announced = cached.map((c) => ({
        key: this.keys.entity(c.model, c.id),
        version: c.version,
      }));
      // One write-through is the whole of L2's part (an update of columns no
      // list depends on): it publishes the bus message itself.
      const carried =
        batch.origin === 'write' &&
        known.length === 1 &&
        partial.size === 0 &&
        batch.collections.length === 0
          ? this.bus?.carry(announced, [])
          : undefined;
      // Steps 1 to 3 touch different keys: they wait for one round trip together.
      const [stored, bumped] = await Promise.all([
        Promise.all(
          known.map(([model, list]) =>
            this.entities.store(
              model,
              this.policies.get(model)!,
              list.map((c) => ({
                id: c.id,
                version: c.version,
                value: c.row ? this.project(model, c.row) : null,
              })),
              epoch,
              carried,
            ),
          ),
        ),
        this.collections.bump(batch.collections),
        Promise.all(
          [...partial].map(([model, list]) =>
            this.entities.invalidate(model, this.policies.get(model)!, list),
          ),
        ),
      ]);
      if (batch.origin === 'write') {
        // Every row was written through (L2 answered): the echo has nothing left to do.
        if (stored.every(Boolean) && partial.size === 0) outcome = bumped.l2 ? bumped.names : [];
        settle?.(outcome);
        if (carried) await carried.carried(stored[0]!);
        else await this.bus?.publish(announced, bumped.names);
      }
    } catch (error) {
      this.warn('applying committed changes to the cache failed', error);
    } finally {
      settle?.(outcome);
    }
  }

  /** See CommitSink.writing. */
  writing(model: string, id: number): () => void {
    if (!this.policies.has(model)) return () => undefined;
    return this.echoes.writing(this.keys.entity(model, id));
  }

  /** A feed batch without what this instance's own write did (counted when something was stripped). */
  private async stripEcho(batch: CommittedBatch): Promise<CommittedBatch> {
    const rest = await this.echoes.strip(batch);
    if (rest !== batch) this.metrics?.cacheFeedEchoes.inc();
    return rest;
  }

  /** See CommitSink.changesLost: drops all of L1 and fences L2 by an epoch advance. */
  changesLost(reason: 'change-feed'): void {
    this.flushLocal();
    this.l2.markMissed(reason);
    this.metrics?.l1Flushes.inc({ reason: `${reason}-reconnect` });
  }

  /** Stops the bus. */
  close(): void {
    this.bus?.close();
  }

  /**
   * An entity from L1, synchronously, or undefined when L1 does not have it
   * (the caller then goes through its DataLoader). A hit is counted for the
   * request and recorded in its read set.
   */
  readEntity(
    model: string,
    policy: CachePolicy,
    id: number,
    stats: RequestStats,
    reads?: ReadSet,
  ): L1Entry | undefined {
    const found = this.entityInL1(model, policy, id);
    if (!found) return undefined;
    this.countLocalHit(policy, stats);
    reads?.entity(found.key, found.entry);
    return found.entry;
  }

  /** A view of a collection from L1, synchronously, as `readEntity` does for entities. */
  readCollection(
    policy: CachePolicy,
    ref: CollectionRef,
    stats: RequestStats,
    reads?: ReadSet,
  ): L1Entry | undefined {
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
  noteEntity(
    reads: ReadSet,
    model: string,
    policy: CachePolicy | undefined,
    id: number,
    value: unknown,
  ): void {
    const found = policy && this.entityInL1(model, policy, id);
    if (found && found.entry.value === value) reads.entity(found.key, found.entry);
    else reads.spoil(`${model} ${id} was not served from L1`);
  }

  /** Records in `reads` that `value` was served for a view of a collection, as `noteEntity` does. */
  noteCollection(
    reads: ReadSet,
    policy: CachePolicy | undefined,
    ref: CollectionRef,
    value: unknown,
  ): void {
    const found = policy && this.viewInL1(policy, ref);
    if (found && found.entry.value === value) reads.collection(found.key, found.name, found.entry);
    else reads.spoil(`${ref.collection.model} ${ref.params} was not served from L1`);
  }

  /** The live L1 entry of an entity, with its key; undefined when L1 is not in play for the type or lacks it. */
  private entityInL1(
    model: string,
    policy: CachePolicy,
    id: number,
  ): { key: string; entry: L1Entry } | undefined {
    if (!this.localReads || policy.strict) return undefined;
    const key = this.keys.entity(model, id);
    const entry = this.l1.get(key);
    return entry && { key, entry };
  }

  /** The live L1 entry of a collection view, unless the collection was invalidated since it was loaded. */
  private viewInL1(
    policy: CachePolicy,
    ref: CollectionRef,
  ): { key: string; name: string; entry: L1Entry } | undefined {
    if (!this.localReads || policy.strict) return undefined;
    const name = this.keys.collectionName(ref.collection);
    const key = this.keys.collectionEntryOf(name, ref.params);
    const entry = this.l1.get(key);
    return entry && this.collections.fence.isValid(name, entry.version)
      ? { key, name, entry }
      : undefined;
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
      if (collection != null && !this.collections.fence.isValid(collection, entry.version))
        return false;
    }
    return true;
  }

  /** Applies another instance's invalidation to this instance's L1. */
  invalidateLocal(
    entities: ReadonlyArray<{ key: string; version: number }>,
    collections: readonly string[],
  ): void {
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

function groupByModel(changes: readonly CommittedChange[]): Map<string, CommittedChange[]> {
  const map = new Map<string, CommittedChange[]>();
  for (const change of changes) map.set(change.model, [...(map.get(change.model) ?? []), change]);
  return map;
}
