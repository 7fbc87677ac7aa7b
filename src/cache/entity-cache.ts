/**
 * Read-through caching of entities by id: L1, then L2 in one round trip per
 * batch, then one database fetch for what is left (under a cross-instance
 * lease, see hot-key-lease.ts), then version- and epoch-guarded fills of L2
 * and L1 (and negative entries for missing ids).
 *
 * Every cached value carries the row version it was read at; neither tier
 * ever replaces a newer version with an older one (docs/design.md promise 1).
 * When the database fails, a value past its soft expiry but within the
 * type's `maxStale` is served instead of the error (promise 11).
 */
import { randomUUID } from 'node:crypto';
import { countInto, type RequestStats } from '../observability/request-stats.js';
import { type CacheRuntime, countTiers, usesL1, usesL2 } from './cache-runtime.js';
import { DEFAULT_LEASE_TIMING, loadWithLeases } from './hot-key-lease.js';
import { decodeRecord, encodeRecord, type L2Record } from './l2-record.js';
import type { L1Entry } from './l1-store.js';
import type { EntityFill, EntityWrite } from './l2-store.js';
import type { CarriedMessage } from './contracts.js';
import { type CachePolicy, jitter } from './policy.js';
import { SingleFlight } from './single-flight.js';

export interface VersionedRow {
  id: number;
  version: number;
}

export type FetchRows<T> = (ids: number[]) => Promise<T[]>;

/** Version of a "not found" learned by reading: any real row replaces it. */
const ABSENT_VERSION = 0;

/**
 * After the database failed a load, reads whose every miss has a fail-safe
 * value skip it for this long, so a stalled database does not make each of
 * them wait for its timeout.
 */
const DATABASE_BACKOFF_MS = 1000;

interface Pending {
  id: number;
  key: string;
}

export class EntityCache {
  private readonly flights = new SingleFlight<unknown>();
  private readonly refreshes = new SingleFlight<unknown>();
  private databaseFailedAt = -Infinity;

  constructor(private readonly rt: CacheRuntime) {}

  /**
   * Loads `ids` (distinct) of `model`; returns the row or null per id, in
   * order. `fetch` is called at most once, for the ids no tier had.
   */
  async loadMany<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    ids: readonly number[],
    fetch: FetchRows<T>,
    stats?: RequestStats,
  ): Promise<Array<T | null>> {
    const rt = this.rt;
    if (!usesL2(rt)) return byId(ids, await fetch([...ids]));

    const found = new Map<number, T | null>();
    const keys = ids.map((id) => rt.keys.entity(model, id));
    let pending: Pending[] = ids.map((id, i) => ({ id, key: keys[i]! }));

    if (usesL1(rt, policy)) {
      pending = pending.filter(({ id, key }) => {
        const entry = rt.l1.get(key);
        if (!entry) return true;
        found.set(id, entry.value as T | null);
        return false;
      });
      countTiers(this.rt, 'l1', policy, ids.length - pending.length, pending.length, stats);
    }

    const fallback = new Map<number, unknown>();
    let epoch: number | undefined;
    if (pending.length > 0)
      ({ missing: pending, epoch } = await this.readL2(
        model,
        policy,
        pending,
        found,
        fetch,
        fallback,
        stats,
      ));

    // A load that finished while this read was in L2 has filled L1: use it.
    if (pending.length > 0 && usesL1(rt, policy)) {
      pending = pending.filter(({ id, key }) => {
        const entry = rt.l1.get(key);
        if (entry) found.set(id, entry.value as T | null);
        return !entry;
      });
    }

    if (pending.length > 0) {
      const backingOff =
        rt.now() - this.databaseFailedAt < DATABASE_BACKOFF_MS &&
        pending.every((p) => fallback.has(p.id));
      const settled = backingOff
        ? pending.map(() => ({ status: 'rejected' as const, reason: undefined }))
        : await Promise.allSettled(this.loadOnce(model, policy, pending, fetch, epoch, stats));
      for (const [i, outcome] of settled.entries()) {
        const { id } = pending[i]!;
        if (outcome.status === 'fulfilled') found.set(id, outcome.value as T | null);
        else if (fallback.has(id))
          this.serveFailSafe(policy, id, fallback.get(id), found, backingOff, stats);
        else throw outcome.reason;
      }
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Serves a value kept for the fail-safe because the database failed. */
  private serveFailSafe(
    policy: CachePolicy,
    id: number,
    value: unknown,
    found: Map<number, unknown>,
    backingOff: boolean,
    stats: RequestStats | undefined,
  ): void {
    if (!backingOff) this.databaseFailedAt = this.rt.now();
    found.set(id, value);
    countInto(stats, 'staleServed');
    this.rt.metrics?.cacheFailSafeServed.inc({ type: policy.type });
  }

  /**
   * L2 step: records what it found into `found` and values kept for the
   * fail-safe into `fallback`; returns what is still missing and the epoch
   * the read saw (undefined when L2 could not be read).
   */
  private async readL2<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    pending: Pending[],
    found: Map<number, T | null>,
    fetch: FetchRows<T>,
    fallback: Map<number, unknown>,
    stats: RequestStats | undefined,
  ): Promise<{ missing: Pending[]; epoch: number | undefined }> {
    const rt = this.rt;
    const read = await rt.l2.read(
      pending.map((p) => p.key),
      stats,
    );
    if (!read) return { missing: pending, epoch: undefined };
    const now = rt.now();
    const missing: Pending[] = [];
    const undecodable: string[] = [];
    const stale: number[] = [];
    pending.forEach((p, i) => {
      const buffer = read.values[i];
      const decoded = buffer ? decodeRecord(buffer) : null;
      // A record of another epoch was written before a change L2 missed: a miss.
      // So is one older than a version this instance has been told of (l1-store.ts).
      const record =
        decoded &&
        read.epoch > 0 &&
        decoded.epoch === read.epoch &&
        this.notBelowFloor(p.key, decoded)
          ? decoded
          : null;
      const value = record ? this.decode(record) : undefined;
      if (buffer && record && value === undefined && record.kind !== 'invalidated')
        undecodable.push(p.key);
      if (!record || value === undefined) return missing.push(p);
      if (record.softExpiresAt <= now) {
        if (now >= record.softExpiresAt + policy.graceMs) {
          // Too old to serve while the database answers; kept in case it does not.
          if (now < record.softExpiresAt + policy.maxStaleMs) fallback.set(p.id, value);
          return missing.push(p);
        }
        stale.push(p.id);
        rt.metrics?.cacheStaleServed.inc({ type: policy.type });
      } else if (usesL1(rt, policy)) {
        const ttl = Math.min(jitter(policy.l1TtlMs, rt.random), record.softExpiresAt - now);
        rt.l1.set(p.key, {
          version: record.version,
          value,
          expiresAt: now + ttl,
          size: buffer!.length,
        });
      }
      found.set(p.id, value as T | null);
    });
    countTiers(this.rt, 'l2', policy, pending.length - missing.length, missing.length, stats);
    if (undecodable.length > 0) {
      rt.metrics?.cacheDecodeErrors.inc(undecodable.length);
      void rt.l2.delete(undecodable);
    }
    // In the background, counted against no request.
    if (stale.length > 0) void this.refreshStale(model, policy, stale, fetch);
    return { missing, epoch: read.epoch };
  }

  /** Decodes a record's value: null for "not found", undefined for a miss or if it cannot be decoded. */
  private decode(record: L2Record): unknown {
    if (record.kind === 'invalidated') return undefined;
    if (record.kind === 'absent') return null;
    try {
      return this.rt.codec.decode(record.payload);
    } catch {
      return undefined;
    }
  }

  /** Decodes a raw record returned by the lease script (always of the current epoch). */
  private decodeRaw(buffer: Buffer, key: string): unknown {
    const record = decodeRecord(buffer);
    return record && this.notBelowFloor(key, record) ? this.decode(record) : undefined;
  }

  /** Whether an L2 record is at least the version this instance knows `key` has reached. */
  private notBelowFloor(key: string, record: L2Record): boolean {
    const floor = this.rt.l1.floor(key);
    return floor === undefined || record.version >= floor;
  }

  /**
   * Refreshes stale entries in the background. Only the holder of each key's
   * lease refreshes it, so across all instances about one load runs per key
   * while everyone else keeps serving the stale value.
   */
  private async refreshStale<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    ids: number[],
    fetch: FetchRows<T>,
  ): Promise<void> {
    const rt = this.rt;
    const keys = ids.map((id) => rt.keys.entity(model, id));
    const token = randomUUID();
    await Promise.all(
      this.refreshes.run(keys, async (flightKeys) => {
        const pairs = flightKeys.map((key) => ({ key, leaseKey: rt.keys.lease(key) }));
        const got = await rt.l2.acquireOrRead(pairs, token, DEFAULT_LEASE_TIMING.leaseMs);
        const held = flightKeys.filter((_, i) => got?.results[i] === true);
        if (!got || held.length === 0) return flightKeys.map(() => undefined);
        const heldIds = held.map((key) => ids[keys.indexOf(key)]!);
        const lease = { keys: held.map((key) => rt.keys.lease(key)), token };
        try {
          await this.fetchAndFill(model, policy, heldIds, fetch, got.epoch, lease);
        } catch (error) {
          await rt.l2.releaseLeases(lease.keys, token);
          rt.warn(`background refresh of ${model} failed`, error);
        }
        return flightKeys.map(() => undefined);
      }),
    );
  }

  /**
   * Loads from the database through the instance-wide single flight and the
   * cross-instance lease: keys already being loaded by any request join that
   * load; the rest are fetched in one call and filled into both tiers.
   */
  private loadOnce<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    wanted: readonly Pending[],
    fetch: FetchRows<T>,
    epoch: number | undefined,
    stats?: RequestStats,
  ): Array<Promise<T | null>> {
    const idByKey = new Map(wanted.map((w) => [w.key, w.id]));
    return this.flights.run([...idByKey.keys()], (keys) => {
      const ids = keys.map((key) => idByKey.get(key)!);
      const load = (
        indexes: number[],
        fillEpoch: number | undefined,
        lease?: { keys: string[]; token: string },
      ) =>
        this.fetchAndFill(
          model,
          policy,
          indexes.map((i) => ids[i]!),
          fetch,
          fillEpoch,
          lease,
          stats,
        );
      // Without an epoch L2 could not be read: no lease, and no L2 fill.
      if (epoch === undefined)
        return load(
          keys.map((_, i) => i),
          undefined,
        );
      return loadWithLeases<T | null>(this.rt, keys, {
        decode: (record, key) => this.decodeRaw(record, key) as T | null | undefined,
        load,
        onOutcome: (outcome) => this.rt.metrics?.cacheLeases.inc({ outcome }),
      });
    }) as Array<Promise<T | null>>;
  }

  /** Fetches `ids` and fills both tiers; on a fetch error, releases `lease` and rethrows. */
  private async fetchAndFill<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    ids: number[],
    fetch: FetchRows<T>,
    epoch: number | undefined,
    lease?: { keys: string[]; token: string },
    stats?: RequestStats,
  ): Promise<Array<T | null>> {
    let rows: Array<T | null>;
    try {
      rows = byId(ids, await fetch(ids));
    } catch (error) {
      if (lease) await this.rt.l2.releaseLeases(lease.keys, lease.token);
      throw error;
    }
    const entries = ids.map((id, i) => {
      const row = rows[i] ?? null;
      return { id, version: row ? row.version : ABSENT_VERSION, value: row };
    });
    const { fills, l1 } = this.records(model, policy, entries, epoch ?? 0);
    const stored =
      epoch === undefined ? undefined : await this.rt.l2.fillEntities(fills, epoch, lease, stats);
    this.setL1(
      policy,
      l1,
      stored?.map((ok) => (ok ? 'value' : 'kept')),
    );
    return rows;
  }

  /** Builds the L2 records and L1 entries for values at their versions. */
  private records(
    model: string,
    policy: CachePolicy,
    entries: ReadonlyArray<{ id: number; version: number; value: unknown }>,
    epoch: number,
  ) {
    const rt = this.rt;
    const now = rt.now();
    const fills: EntityFill[] = [];
    const l1: Array<{ key: string; entry: L1Entry }> = [];
    for (const { id, version, value } of entries) {
      const key = rt.keys.entity(model, id);
      const payload = value === null ? null : rt.codec.encode(value);
      const ttl = jitter(value === null ? policy.negativeTtlMs : policy.ttlMs, rt.random);
      // Kept past soft expiry for the grace period and for the fail-safe.
      const extra = value === null ? 0 : Math.max(policy.graceMs, policy.maxStaleMs);
      const record = encodeRecord(version, now + ttl, payload, epoch);
      fills.push({ key, version, record, ttlMs: ttl + extra });
      const l1Ttl = Math.min(
        ttl,
        jitter(value === null ? policy.negativeTtlMs : policy.l1TtlMs, rt.random),
      );
      l1.push({ key, entry: { version, value, expiresAt: now + l1Ttl, size: record.length } });
    }
    return { fills, l1 };
  }

  /** Puts values in L1 unless L2 kept a newer version (or only a fence could be stored). */
  private setL1(
    policy: CachePolicy,
    l1: Array<{ key: string; entry: L1Entry }>,
    outcomes: Array<'value' | 'fence' | 'kept'> | undefined,
  ): void {
    if (!usesL1(this.rt, policy)) return;
    l1.forEach(({ key, entry }, i) => {
      const outcome = outcomes?.[i] ?? 'value';
      if (outcome === 'value') {
        this.rt.l1.set(key, entry);
        return;
      }
      // L2 kept a newer version, stored a fence only, or refused the fill
      // (its epoch moved): L1 keeps neither this version nor an older one.
      // No floor: no newer version is known for certain.
      const held = this.rt.l1.get(key);
      if (held && held.version <= entry.version) this.rt.l1.delete(key);
    });
  }

  /**
   * Writes values of committed changes through to both tiers, each guarded
   * by version. `epoch` is the L2 epoch known before the write ran: if it has
   * moved since, a change L2 missed may be newer, so a fence is stored
   * instead of the value. Resolves true when L2 answered (it then holds each
   * entry's version, or a newer one, or a fence, and has published
   * `carried`), false when it was not reached.
   */
  async store(
    model: string,
    policy: CachePolicy,
    entries: ReadonlyArray<{ id: number; version: number; value: unknown }>,
    epoch: number | undefined = this.rt.l2.knownEpoch,
    carried?: CarriedMessage,
  ): Promise<boolean> {
    const rt = this.rt;
    if (!usesL2(rt) || entries.length === 0) return false;
    const { fills, l1 } = this.records(model, policy, entries, epoch ?? 0);
    const outcomes = await rt.l2.writeEntities(
      fills.map((f): EntityWrite => ({ ...f, fence: false })),
      epoch,
      carried,
    );
    this.setL1(policy, l1, outcomes);
    return outcomes !== undefined;
  }

  /**
   * Marks entities changed at `version` without a value to write through (a
   * write that returned a partial row, or a change seen on the database's
   * change feed): readers miss and reload, and older fills are refused.
   */
  async invalidate(
    model: string,
    policy: CachePolicy,
    items: ReadonlyArray<{ id: number; version: number }>,
  ): Promise<void> {
    const rt = this.rt;
    if (!usesL2(rt) || items.length === 0) return;
    const ttl =
      Math.max(policy.ttlMs, policy.negativeTtlMs) + Math.max(policy.graceMs, policy.maxStaleMs);
    const writes = items.map(({ id, version }): EntityWrite => {
      const key = rt.keys.entity(model, id);
      rt.l1.invalidate(key, version);
      return { key, version, record: Buffer.alloc(0), ttlMs: ttl, fence: true };
    });
    await rt.l2.writeEntities(writes, rt.l2.knownEpoch);
  }

  /** Drops this instance's L1 copy of an entity if it is older than `version`. */
  invalidateLocal(key: string, version: number): void {
    this.rt.l1.invalidate(key, version);
  }
}

/** Orders rows by the requested ids, null where a row is missing. */
function byId<T extends VersionedRow>(ids: readonly number[], rows: readonly T[]): Array<T | null> {
  const map = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => map.get(id) ?? null);
}
