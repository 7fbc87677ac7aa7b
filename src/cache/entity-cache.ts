/**
 * Read-through caching of entities by id: L1, then L2 in one round trip per
 * batch, then one database fetch for what is left, then version-guarded fills
 * of L2 and L1 (and negative entries for missing ids).
 *
 * Every cached value carries the row version it was read at; neither tier
 * ever replaces a newer version with an older one (DESIGN.md promise 1).
 */
import { randomUUID } from 'node:crypto';
import type { RequestStats } from '../observability/request-stats.js';
import { type CacheRuntime, countTiers, usesL1, usesL2 } from './cache-runtime.js';
import { decodeRecord, encodeRecord, type L2Record } from './l2-record.js';
import type { L1Entry } from './l1-store.js';
import type { EntityFill } from './l2-store.js';
import { type CachePolicy, jitter } from './policy.js';
import { SingleFlight } from './single-flight.js';

export interface VersionedRow {
  id: number;
  version: number;
}

export type FetchRows<T> = (ids: number[]) => Promise<T[]>;

/** Version of a "not found" learned by reading: any real row replaces it. */
const ABSENT_VERSION = 0;

export class EntityCache {
  private readonly flights = new SingleFlight<unknown>();

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
    let pending = ids.map((id, i) => ({ id, key: keys[i]! }));

    if (usesL1(rt, policy)) {
      pending = pending.filter(({ id, key }) => {
        const entry = rt.l1.get(key);
        if (!entry) return true;
        found.set(id, entry.value as T | null);
        return false;
      });
      countTiers(this.rt, 'l1', policy, ids.length - pending.length, pending.length, stats);
    }

    if (pending.length > 0) pending = await this.readL2(model, policy, pending, found, fetch, stats);

    if (pending.length > 0) {
      const rows = await Promise.all(this.loadOnce(model, policy, pending, fetch, stats));
      pending.forEach((p, i) => found.set(p.id, rows[i] as T | null));
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  /** L2 step: records what it found into `found`, returns what is still missing. */
  private async readL2<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    pending: Array<{ id: number; key: string }>,
    found: Map<number, T | null>,
    fetch: FetchRows<T>,
    stats: RequestStats | undefined,
  ): Promise<Array<{ id: number; key: string }>> {
    const rt = this.rt;
    const raw = await rt.l2.mget(pending.map((p) => p.key), stats);
    if (!raw) return pending;
    const now = rt.now();
    const missing: Array<{ id: number; key: string }> = [];
    const undecodable: string[] = [];
    const stale: number[] = [];
    pending.forEach((p, i) => {
      const buffer = raw[i];
      const record = buffer ? decodeRecord(buffer) : null;
      const value = record ? this.decode(record) : undefined;
      if (buffer && value === undefined && record?.kind !== 'invalidated') undecodable.push(p.key);
      if (!record || value === undefined) return missing.push(p);
      found.set(p.id, value as T | null);
      if (record.softExpiresAt <= now) {
        stale.push(p.id);
        rt.metrics?.cacheStaleServed.inc({ type: policy.type });
      } else if (usesL1(rt, policy)) {
        const ttl = Math.min(jitter(policy.l1TtlMs, rt.random), record.softExpiresAt - now);
        rt.l1.set(p.key, { version: record.version, value, expiresAt: now + ttl, size: buffer!.length });
      }
    });
    countTiers(this.rt, 'l2', policy, pending.length - missing.length, missing.length, stats);
    if (undecodable.length > 0) {
      rt.metrics?.cacheDecodeErrors.inc(undecodable.length);
      void rt.l2.delete(undecodable);
    }
    // In the background, counted against no request.
    if (stale.length > 0) void this.refreshStale(model, policy, stale, fetch);
    return missing;
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

  /**
   * Refreshes stale entries in the background. Only the holder of each key's
   * lease refreshes it, so across all instances about one load runs per key
   * while everyone else keeps serving the stale value.
   */
  private async refreshStale<T extends VersionedRow>(model: string, policy: CachePolicy, ids: number[], fetch: FetchRows<T>): Promise<void> {
    const rt = this.rt;
    const token = randomUUID();
    const leaseMs = 5000;
    const taken = await Promise.all(ids.map((id) => rt.l2.acquireLease(rt.keys.lease(rt.keys.entity(model, id)), token, leaseMs)));
    const held = ids.filter((_, i) => taken[i]);
    if (held.length === 0) return;
    try {
      await Promise.all(this.loadOnce(model, policy, held.map((id) => ({ id, key: rt.keys.entity(model, id) })), fetch));
    } catch (error) {
      rt.warn(`background refresh of ${model} failed`, error);
    } finally {
      await Promise.all(held.map((id) => rt.l2.releaseLease(rt.keys.lease(rt.keys.entity(model, id)), token)));
    }
  }

  /**
   * Loads from the database through the instance-wide single flight: keys
   * already being loaded by any request join that load; the rest are fetched
   * in one call and filled into both tiers.
   */
  private loadOnce<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    wanted: ReadonlyArray<{ id: number; key: string }>,
    fetch: FetchRows<T>,
    stats?: RequestStats,
  ): Array<Promise<T | null>> {
    const idByKey = new Map(wanted.map((w) => [w.key, w.id]));
    return this.flights.run([...idByKey.keys()], async (keys) => {
      const ids = keys.map((key) => idByKey.get(key)!);
      const rows = byId(ids, await fetch(ids));
      await this.fill(model, policy, ids, rows, stats);
      return rows;
    }) as Array<Promise<T | null>>;
  }

  /** Fills L2 (version-guarded) and L1 with what the database returned for `ids`. */
  private async fill<T extends VersionedRow>(
    model: string,
    policy: CachePolicy,
    ids: number[],
    rows: Array<T | null>,
    stats: RequestStats | undefined,
  ): Promise<void> {
    const entries = ids.map((id, i) => {
      const row = rows[i] ?? null;
      return { id, version: row ? row.version : ABSENT_VERSION, value: row };
    });
    await this.store(model, policy, entries, stats);
  }

  /**
   * Writes values through to both tiers, each guarded by version. Used by
   * fills and by the write path (with the version a write produced).
   */
  async store(
    model: string,
    policy: CachePolicy,
    entries: ReadonlyArray<{ id: number; version: number; value: unknown }>,
    stats?: RequestStats,
  ): Promise<void> {
    const rt = this.rt;
    if (!usesL2(rt) || entries.length === 0) return;
    const now = rt.now();
    const fills: EntityFill[] = [];
    const l1Entries: Array<{ key: string; entry: L1Entry }> = [];
    for (const { id, version, value } of entries) {
      const key = rt.keys.entity(model, id);
      const payload = value === null ? null : rt.codec.encode(value);
      const ttl = jitter(value === null ? policy.negativeTtlMs : policy.ttlMs, rt.random);
      const grace = value === null ? 0 : policy.graceMs;
      const record = encodeRecord(version, now + ttl, payload);
      fills.push({ key, version, record, ttlMs: ttl + grace });
      const l1Ttl = Math.min(ttl, jitter(value === null ? policy.negativeTtlMs : policy.l1TtlMs, rt.random));
      l1Entries.push({ key, entry: { version, value, expiresAt: now + l1Ttl, size: record.length } });
    }
    const stored = await rt.l2.fillEntities(fills, stats);
    if (!usesL1(rt, policy)) return;
    l1Entries.forEach(({ key, entry }, i) => {
      // L2 kept a newer version: this value is stale, so L1 must not hold it either.
      if (stored?.[i] === false) rt.l1.invalidate(key, entry.version + 1);
      else rt.l1.set(key, entry);
    });
  }

  /**
   * Marks entities changed at `version` without a value to write through (a
   * write that returned a partial row, or a change seen on the database's
   * change feed): readers miss and reload, and older fills are refused.
   */
  async invalidate(model: string, policy: CachePolicy, items: ReadonlyArray<{ id: number; version: number }>): Promise<void> {
    const rt = this.rt;
    if (!usesL2(rt) || items.length === 0) return;
    const ttl = Math.max(policy.ttlMs, policy.negativeTtlMs);
    const fills = items.map(({ id, version }) => {
      const key = rt.keys.entity(model, id);
      rt.l1.invalidate(key, version);
      return { key, version, record: encodeRecord(version, rt.now(), 'invalidated'), ttlMs: ttl };
    });
    await rt.l2.fillEntities(fills);
  }

  /**
   * This instance's live L1 entry for an entity, synchronously, or undefined
   * (not in L1, expired, or a type that skips L1). Counts nothing: a caller
   * that falls back to `loadMany` on undefined is counted there.
   */
  peek(model: string, policy: CachePolicy, id: number): L1Entry | undefined {
    return usesL1(this.rt, policy) ? this.rt.l1.get(this.rt.keys.entity(model, id)) : undefined;
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
