/**
 * Read-through caching of collections: lists of ids, pages and aggregates
 * that depend on a set of rows (a category's products, a product's reviews,
 * all products). Each collection has a version counter in Redis that every
 * write touching it bumps; an entry is served only if it was filled under the
 * current version, so lists and relations follow writes (promise 4).
 *
 * One L2 round trip per batch: a single MGET reads the entries and their
 * collections' versions together. Members of id lists are loaded through the
 * entity loaders, not stored here.
 */
import { countInto, type RequestStats } from '../observability/request-stats.js';
import { type CacheRuntime, countTiers, usesL1, usesL2 } from './cache-runtime.js';
import { CollectionFence } from './collection-fence.js';
import type { CollectionId } from './keys.js';
import { decodeRecord, encodeRecord } from './l2-record.js';
import type { CollectionFill } from './l2-store.js';
import { type CachePolicy, jitter } from './policy.js';
import { SingleFlight } from './single-flight.js';

export interface CollectionRef {
  collection: CollectionId;
  /** Which view of the collection, e.g. 'reviews.first=5' or 'count'. */
  params: string;
}

interface Slot {
  ref: CollectionRef;
  name: string;
  key: string;
  versionKey: string;
  /** The collection version read from L2 before loading (0 when absent). */
  version: number;
}

export class CollectionCache {
  readonly fence = new CollectionFence();
  private readonly flights = new SingleFlight<unknown>();

  constructor(private readonly rt: CacheRuntime) {}

  /**
   * Loads each ref's value (distinct refs); `fetch` runs at most once, for
   * the refs no tier had, and must return one value per ref, in order.
   */
  async loadMany<V>(
    policy: CachePolicy,
    refs: readonly CollectionRef[],
    fetch: (refs: CollectionRef[]) => Promise<V[]>,
    stats?: RequestStats,
  ): Promise<V[]> {
    const rt = this.rt;
    if (!usesL2(rt)) return fetch([...refs]);
    const stamp = this.fence.stamp();
    const keys = rt.keys;
    const slots: Slot[] = refs.map((ref) => ({
      ref,
      name: keys.collectionName(ref.collection),
      key: keys.collectionEntry(ref.collection, ref.params),
      versionKey: keys.collectionVersion(ref.collection),
      version: 0,
    }));
    const found = new Map<string, unknown>();
    let pending = slots;

    if (usesL1(rt, policy)) {
      pending = pending.filter((slot) => {
        const entry = rt.l1.get(slot.key);
        if (!entry || !this.fence.isValid(slot.name, entry.version)) return true;
        found.set(slot.key, entry.value);
        return false;
      });
      countTiers(this.rt, 'l1', policy, slots.length - pending.length, pending.length, stats);
    }

    // The L2 epoch the read saw; undefined when L2 could not be read (then fills skip L2).
    let epoch: number | undefined;
    // Expired values still current (same epoch and collection version), for the fail-safe.
    const fallback = new Map<string, unknown>();
    if (pending.length > 0) {
      const versionKeys = [...new Set(pending.map((s) => s.versionKey))];
      const read = await rt.l2.read([...pending.map((s) => s.key), ...versionKeys], stats);
      if (read) {
        const raw = read.values;
        epoch = read.epoch;
        const versions = new Map(
          versionKeys.map((k, i) => [k, Number(raw[pending.length + i]?.toString() ?? 0) || 0]),
        );
        const now = rt.now();
        const missing: Slot[] = [];
        pending.forEach((slot, i) => {
          slot.version = versions.get(slot.versionKey) ?? 0;
          const buffer = raw[i];
          const record = buffer ? decodeRecord(buffer) : null;
          let value: unknown;
          const current =
            record && record.epoch === epoch && epoch > 0 && record.version === slot.version;
          if (current && now < record.softExpiresAt + Math.max(0, policy.maxStaleMs)) {
            try {
              value = rt.codec.decode(record.payload);
            } catch {
              rt.metrics?.cacheDecodeErrors.inc();
            }
          }
          if (value !== undefined && record!.softExpiresAt <= now) {
            fallback.set(slot.key, value);
            value = undefined;
          }
          if (value === undefined) return missing.push(slot);
          found.set(slot.key, value);
          if (usesL1(rt, policy)) {
            const ttl = Math.min(jitter(policy.l1TtlMs, rt.random), record!.softExpiresAt - now);
            rt.l1.set(slot.key, {
              version: stamp,
              value,
              expiresAt: now + ttl,
              size: buffer!.length,
            });
          }
        });
        countTiers(this.rt, 'l2', policy, pending.length - missing.length, missing.length, stats);
        pending = missing;
      }
    }

    if (pending.length > 0) {
      const bySlotKey = new Map(pending.map((s) => [s.key, s]));
      const settled = await Promise.allSettled(
        this.flights.run([...bySlotKey.keys()], async (flightKeys) => {
          const wanted = flightKeys.map((k) => bySlotKey.get(k)!);
          const loaded = await fetch(wanted.map((s) => s.ref));
          await this.fill(policy, wanted, loaded, stamp, epoch, stats);
          return loaded;
        }),
      );
      for (const [i, key] of [...bySlotKey.keys()].entries()) {
        const outcome = settled[i]!;
        if (outcome.status === 'fulfilled') found.set(key, outcome.value);
        else if (fallback.has(key)) {
          // The database failed: serve the expired value, within maxStale (promise 11).
          found.set(key, fallback.get(key));
          countInto(stats, 'staleServed');
          rt.metrics?.cacheFailSafeServed.inc({ type: policy.type });
        } else throw outcome.reason;
      }
    }
    return slots.map((slot) => found.get(slot.key) as V);
  }

  private async fill(
    policy: CachePolicy,
    slots: Slot[],
    values: unknown[],
    stamp: number,
    epoch: number | undefined,
    stats: RequestStats | undefined,
  ): Promise<void> {
    const rt = this.rt;
    const now = rt.now();
    const fills: CollectionFill[] = [];
    slots.forEach((slot, i) => {
      const ttl = jitter(policy.ttlMs, rt.random);
      const record = encodeRecord(slot.version, now + ttl, rt.codec.encode(values[i]), epoch ?? 0);
      // Without a version and epoch read from L2 we cannot guard a fill, so L2 is skipped.
      // Kept past expiry for the fail-safe; a bump makes it unreachable at once.
      const ttlMs = ttl + policy.maxStaleMs;
      if (epoch !== undefined)
        fills.push({
          versionKey: slot.versionKey,
          expectedVersion: slot.version,
          key: slot.key,
          record,
          ttlMs,
        });
      if (usesL1(rt, policy)) {
        const l1Ttl = Math.min(ttl, jitter(policy.l1TtlMs, rt.random));
        rt.l1.set(slot.key, {
          version: stamp,
          value: values[i],
          expiresAt: now + l1Ttl,
          size: record.length,
        });
      }
    });
    if (epoch !== undefined) await rt.l2.fillCollections(fills, epoch, stats);
  }

  /**
   * Invalidates collections after a write: this instance's L1 at once, and
   * L2 by bumping their versions. Returns the collections' names (for the
   * invalidation bus) and whether L2 was reached.
   */
  async bump(collections: readonly CollectionId[]): Promise<{ names: string[]; l2: boolean }> {
    const rt = this.rt;
    const names = [...new Set(collections.map((c) => rt.keys.collectionName(c)))];
    for (const name of names) this.fence.invalidate(name);
    if (!usesL2(rt) || names.length === 0) return { names, l2: true };
    const unique = new Map(collections.map((c) => [rt.keys.collectionName(c), c]));
    const bumped = await rt.l2.bumpCollections(
      [...unique.values()].map((c) => rt.keys.collectionVersion(c)),
    );
    return { names, l2: bumped !== undefined };
  }
}
