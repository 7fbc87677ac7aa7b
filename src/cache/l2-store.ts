/**
 * L2: Redis. Every method is one round trip (MGET or one script) and goes
 * through the circuit breaker; a method returns `undefined` (reads) or
 * `false` (writes) when Redis is unavailable, and the caller falls back to
 * L1 and the database. Nothing here throws on a Redis failure.
 */
import type { Redis } from 'ioredis';
import { countInto, type RequestStats } from '../observability/request-stats.js';
import type { RedisGate } from '../redis/redis-client.js';
import { BUMP_COLLECTIONS, FILL_COLLECTIONS, FILL_ENTITIES, RELEASE_LEASE } from './l2-scripts.js';

interface ScriptedRedis extends Redis {
  catalogFillEntities(numKeys: number, ...args: Array<string | Buffer | number>): Promise<number[]>;
  catalogFillCollections(numKeys: number, ...args: Array<string | Buffer | number>): Promise<number>;
  catalogBumpCollections(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  catalogReleaseLease(numKeys: number, ...args: string[]): Promise<number>;
}

export interface EntityFill {
  key: string;
  version: number;
  record: Buffer;
  ttlMs: number;
}

export interface CollectionFill {
  versionKey: string;
  expectedVersion: number;
  key: string;
  record: Buffer;
  ttlMs: number;
}

/** How long collection version counters live; far longer than any entry. */
const COLLECTION_VERSION_TTL_MS = 7 * 24 * 3600 * 1000;

export class L2Store {
  private readonly scripted: ScriptedRedis;

  constructor(
    private readonly gate: RedisGate,
    private readonly onRoundTrip: () => void = () => undefined,
  ) {
    const client = gate.client as ScriptedRedis;
    // defineCommand sends EVALSHA and falls back to EVAL when the script is not loaded.
    if (!client.catalogFillEntities) {
      client.defineCommand('catalogFillEntities', { lua: FILL_ENTITIES });
      client.defineCommand('catalogFillCollections', { lua: FILL_COLLECTIONS });
      client.defineCommand('catalogBumpCollections', { lua: BUMP_COLLECTIONS });
      client.defineCommand('catalogReleaseLease', { lua: RELEASE_LEASE });
    }
    this.scripted = client;
  }

  get available(): boolean {
    return this.gate.available;
  }

  /** Counts one round trip, for the request it serves (if any) and in the metrics. */
  private trip(stats: RequestStats | undefined): () => void {
    return () => {
      countInto(stats, 'redisRoundTrips');
      this.onRoundTrip();
    };
  }

  /** Reads raw values for `keys` in one MGET; undefined when Redis is unavailable. */
  async mget(keys: readonly string[], stats?: RequestStats): Promise<Array<Buffer | null> | undefined> {
    if (keys.length === 0) return [];
    return this.gate.run((r) => r.mgetBuffer(...keys), this.trip(stats));
  }

  /**
   * Version-guarded entity fills in one script call. Returns, per fill,
   * whether it was stored (false: a newer version is there); undefined when
   * Redis is unavailable.
   */
  async fillEntities(fills: readonly EntityFill[], stats?: RequestStats): Promise<boolean[] | undefined> {
    if (fills.length === 0) return [];
    const keys = fills.map((f) => f.key);
    const args = fills.flatMap((f) => [f.version, f.record, Math.max(1, Math.round(f.ttlMs))]);
    const stored = await this.gate.run(() => this.scripted.catalogFillEntities(keys.length, ...keys, ...args), this.trip(stats));
    return stored?.map((flag) => flag === 1);
  }

  /** Collection-version-guarded fills in one script call. */
  async fillCollections(fills: readonly CollectionFill[], stats?: RequestStats): Promise<number | undefined> {
    if (fills.length === 0) return 0;
    const keys = fills.flatMap((f) => [f.versionKey, f.key]);
    const args = fills.flatMap((f) => [String(f.expectedVersion), f.record, Math.max(1, Math.round(f.ttlMs))]);
    return this.gate.run(() => this.scripted.catalogFillCollections(keys.length, ...keys, ...args), this.trip(stats));
  }

  /** Increments collection versions; returns the new versions, or undefined if Redis is unavailable. */
  async bumpCollections(versionKeys: readonly string[]): Promise<number[] | undefined> {
    if (versionKeys.length === 0) return [];
    return this.gate.run(
      () => this.scripted.catalogBumpCollections(versionKeys.length, ...versionKeys, COLLECTION_VERSION_TTL_MS),
      this.trip(undefined),
    );
  }

  /** Tries to take a lease (SET NX PX); true when this caller holds it. */
  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    const ok = await this.gate.run((r) => r.set(key, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'), this.trip(undefined));
    return ok === 'OK';
  }

  /** Releases a lease if this caller still holds it (compare-and-delete). */
  async releaseLease(key: string, token: string): Promise<void> {
    await this.gate.run(() => this.scripted.catalogReleaseLease(1, key, token), this.trip(undefined));
  }

  /** Deletes keys (e.g. undecodable records). */
  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.gate.run((r) => r.unlink(...keys), this.trip(undefined));
  }
}
