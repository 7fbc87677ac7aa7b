/**
 * The seams of the cache, as small contracts (in the manner of bentocache's
 * drivers and envelop's cache stores): what each part promises, what it
 * returns, and what it does on failure. The tiered cache (catalog-cache.ts)
 * composes implementations of these; tests swap them (the in-memory L2
 * driver and transport run the cache's logic with no services at all).
 *
 * | contract               | implementations                                      | suite |
 * |------------------------|------------------------------------------------------|-------|
 * | L1Tier                 | L1Store (lru-cache)                                  | test/unit/cache-parts.test.ts |
 * | L2Driver               | RedisL2Driver (Lua), MemoryL2Driver                  | test/contract/l2-driver-suite.ts |
 * | CallGate               | RedisGate (breaker), openGate()                      | |
 * | InvalidationTransport  | redisTransport (pub/sub), MemoryHub                  | test/contract/transport-suite.ts |
 * | Codec                  | msgpackCodec, jsonCodec                              | test/unit/cache-parts.test.ts |
 * | Clock, IdSource        | Date.now, randomUUID (injected everywhere)           | |
 */
import type { L1Entry } from './l1-store.js';

/** Milliseconds since the epoch. Injected, so TTL tests need no sleeps. */
export type Clock = () => number;

/** A fresh unique id (instance ids, lease tokens). Injected, so tests can name them. */
export type IdSource = () => string;

/** Encodes values for L2. */
export interface Codec {
  readonly name: string;
  encode(value: unknown): Buffer;
  /** Throws on a malformed buffer; callers treat that as a miss. */
  decode(buffer: Buffer): unknown;
}

/**
 * L1: the in-process tier. Synchronous, bounded, never fails. Applies the
 * version rule (version-rule.ts) itself: a stale fill never replaces a newer
 * entry.
 */
export interface L1Tier {
  /** The live entry under `key`, or undefined (absent or expired). */
  get(key: string): L1Entry | undefined;
  /** Stores `entry` unless a newer live entry or a higher floor is present; returns whether it was stored. */
  set(key: string, entry: L1Entry): boolean;
  /** Drops the entry under `key` if it is older than `version`; without one at `version` or newer, raises the key's floor to it. */
  invalidate(key: string, version: number): void;
  /** The version `key` is known to have reached without L1 holding it (readers refuse older L2 records), or undefined. */
  floor(key: string): number | undefined;
  delete(key: string): void;
  clear(): void;
  readonly entries: number;
  readonly bytes: number;
}

/**
 * Puts calls to a remote store behind a failure policy (for Redis: the
 * circuit breaker). `run` never throws: a call that fails, or that is not
 * sent because the store is unavailable, yields undefined, and the failure is
 * reported by the gate (logged once per outage, counted).
 */
export interface CallGate {
  /** Whether calls are let through now. */
  readonly available: boolean;
  /** Runs one call (one round trip); `onRoundTrip` is called when it is actually sent. */
  run<T>(call: () => Promise<T>, onRoundTrip?: () => void): Promise<T | undefined>;
}

/** A value read from the database, to store if the version rule and the epoch allow. */
export interface EntityFill {
  key: string;
  version: number;
  /** An encoded L2 record (l2-record.ts). */
  record: Buffer;
  ttlMs: number;
}

/** A committed change to one entity: a new value (write-through) or a fence. */
export interface EntityWrite extends EntityFill {
  fence: boolean;
}

/** What a change did in L2: the value stored, a fence stored instead, or a newer version kept. */
export type WriteOutcome = 'value' | 'fence' | 'kept';

export interface CollectionFill {
  versionKey: string;
  expectedVersion: number;
  key: string;
  record: Buffer;
  ttlMs: number;
}

/**
 * L2's storage driver: the atomic operations the L2 tier (l2-store.ts) is
 * built from. Every method is ONE round trip and atomic (for Redis: one MGET,
 * one script, or one SET); records are l2-record.ts buffers, compared by the
 * version rule (version-rule.ts). Every method that takes `epochKey` returns
 * the epoch stored there (0: none), and stores nothing under another epoch
 * than the expected one. Methods reject when the store fails; the L2 tier
 * calls them through a CallGate, which turns failures into fallbacks.
 */
export interface L2Driver {
  readonly name: string;
  /**
   * Calls `listener` on every new connection (and now, if connected), and
   * when a server joins or leaves (Cluster): the L2 tier re-checks the servers then.
   */
  onConnect(listener: () => void): void;
  /** The identity of the server's current life (Redis: run_id); it changes when the server restarts or fails over. */
  serverId(): Promise<string | undefined>;
  /**
   * Compares `serverId` with the one recorded next to the epoch; when it
   * differs, advances the epoch (to at least `now`) and records it. Returns the epoch.
   */
  checkServer(epochKey: string, serverId: string, now: number): Promise<number>;
  /** Records for `keys` (null where absent), and the epoch. */
  read(
    keys: readonly string[],
    epochKey: string,
  ): Promise<{ values: Array<Buffer | null>; epoch: number }>;
  /** Creates the epoch (at `now`) if missing; returns it. */
  ensureEpoch(epochKey: string, now: number): Promise<number>;
  /** Advances the epoch to max(current + 1, now); returns it. */
  advanceEpoch(epochKey: string, now: number): Promise<number>;
  /**
   * Stores each fill when the epoch is `expectedEpoch` and the version rule
   * accepts it; releases the leases in `lease` held by its token either way.
   */
  fillEntities(
    epochKey: string,
    fills: readonly EntityFill[],
    expectedEpoch: number,
    lease?: { keys: readonly string[]; token: string },
  ): Promise<{ epoch: number; stored: boolean[] }>;
  /**
   * Applies committed changes: a value is stored when the epoch is still
   * `expectedEpoch` (-1: unknown), otherwise and for fences a fence
   * `<version>|<now>|<epoch>|x` is stored under the current epoch; each
   * subject to the version rule. Nothing is stored when there is no epoch.
   */
  writeEntities(
    epochKey: string,
    writes: readonly EntityWrite[],
    expectedEpoch: number,
    now: number,
    carried?: CarriedMessage,
  ): Promise<{ epoch: number; outcomes: WriteOutcome[] }>;
  /**
   * Per pair: the record when one of the current epoch, present or "not
   * found" and softly fresh at `now`, is stored; else true when the lease was
   * taken (SET NX PX `leaseMs`), false when another token holds it.
   */
  acquireOrRead(
    epochKey: string,
    pairs: ReadonlyArray<{ key: string; leaseKey: string }>,
    token: string,
    leaseMs: number,
    now: number,
  ): Promise<{ epoch: number; results: Array<Buffer | boolean> }>;
  /** Stores each fill whose collection version is still the expected one, under the expected epoch; returns how many. */
  fillCollections(
    epochKey: string,
    fills: readonly CollectionFill[],
    expectedEpoch: number,
  ): Promise<number>;
  /** Increments collection version counters (kept `ttlMs`); returns the new versions. */
  bumpCollections(versionKeys: readonly string[], ttlMs: number): Promise<number[]>;
  /** SET NX PX: true when this token now holds the lease. */
  acquireLease(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Compare-and-delete of each lease held by `token`. */
  releaseLeases(keys: readonly string[], token: string): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Raises the epoch at `epochKey` to at least `target` (never lowers it); returns it. */
  raiseEpoch(epochKey: string, target: number): Promise<number>;

  // Sharded key layouts (Redis Cluster, see keys.ts and l2-shards.ts).

  /**
   * Runs `calls` together, each one operation of this driver on the keys of
   * one shard (`key`: any key of that shard): one pipeline per server that
   * holds them, in parallel, and `onRoundTrip` once per server. Rejects with
   * the first error any call got.
   */
  batch<T>(calls: ReadonlyArray<ShardCall<T>>, onRoundTrip: () => void): Promise<T[]>;
  /** The server that serves `key` now (Cluster: its address); undefined with a single server. */
  ownerOf(key: string): string | undefined;
  /** `serverId` of the server serving each key now; `onRoundTrip` once per server asked. */
  serverIds(keys: readonly string[], onRoundTrip: () => void): Promise<Array<string | undefined>>;
}

/** One operation of a sharded batch (see `L2Driver.batch`). */
export interface ShardCall<T> {
  key: string;
  run: (driver: L2Driver) => Promise<T>;
}

/**
 * An invalidation message published by the L2 write it announces, after the
 * write's changes and in the same atomic step: one round trip instead of two,
 * and no receiver can see the message before L2 holds what it announces.
 * Only for a driver whose server also carries the bus (InvalidationTransport.channel).
 */
export interface CarriedMessage {
  channel: string;
  /** The message; numbered on the first call, which the driver makes as it sends the write. */
  text(): string;
}

/**
 * Carries invalidation messages between instances (for Redis: pub/sub on
 * one channel). The bus (invalidation-bus.ts) owns the protocol on top:
 * sender ids, sequence numbers, gap detection.
 */
export interface InvalidationTransport {
  /** Sends one message to every other subscriber; false when it could not be sent. */
  publish(message: string): Promise<boolean>;
  /**
   * Set when an L2 write may publish this transport's messages itself, as
   * the last step of its script (standalone Redis: one server holds L2 and
   * the channel): the channel to publish on. See CarriedMessage.
   */
  readonly channel?: string;
  /**
   * Starts delivering messages. `onReconnect` is called when the
   * subscription was re-established after a loss: messages may have been
   * missed in between.
   */
  subscribe(onMessage: (message: string) => void, onReconnect: () => void): void;
  close(): void;
}
