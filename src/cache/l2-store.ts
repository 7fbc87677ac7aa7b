/**
 * L2: the shared tier, over an L2Driver (Redis, or in memory in tests).
 * Every method is one round trip (one driver call; on a sharded Redis
 * Cluster layout one per server, see l2-shards.ts) and goes through the
 * gate (for Redis: the circuit breaker); a method returns `undefined` when Redis is
 * unavailable or L2 is not trusted, and the caller falls back to L1 and the
 * database. Nothing here throws on a store failure. This class owns the
 * epoch bookkeeping and recovery; the driver owns the atomic operations.
 *
 * Changes (write-throughs, fences, collection bumps) that cannot be applied
 * are not dropped silently: they make L2 untrusted until the epoch has been
 * advanced (see l2-epoch.ts), so no record written before can hide them.
 */
import { countInto, type RequestStats } from '../observability/request-stats.js';
import type {
  CallGate,
  CarriedMessage,
  Clock,
  CollectionFill,
  EntityFill,
  EntityWrite,
  L2Driver,
  WriteOutcome,
} from './contracts.js';
import type { CacheKeys } from './keys.js';
import { L2Epoch, type MissedEntity, type MissReason } from './l2-epoch.js';
import { L2Shards, type L2Ops } from './l2-shards.js';

export type { CollectionFill, EntityFill, EntityWrite, WriteOutcome } from './contracts.js';

/** Records read in one round trip, with the epoch they must carry to count. */
export interface L2Read {
  values: Array<Buffer | null>;
  /** The current epoch; 0 when Redis has none yet (then no record is valid). */
  epoch: number;
}

export interface L2StoreOptions {
  /** The storage: Redis (RedisL2Driver) or in memory (MemoryL2Driver). */
  driver: L2Driver;
  /** The failure policy every driver call goes through (for Redis: the breaker). */
  gate: CallGate;
  /** Key layout: the one epoch key, or one epoch copy per shard (keys.ts, l2-shards.ts). */
  keys: CacheKeys;
  now: Clock;
  onRoundTrip?: () => void;
  /** L2 was fenced by an epoch advance, or another instance advanced it: L1 may hold what L2 no longer vouches for. */
  onEpochChange?: (reason: 'advanced' | 'observed') => void;
  onMissed?: (reason: MissReason) => void;
  /**
   * Missed changes were replayed into L2. Other instances may have copied the
   * older records into their L1 before: they must drop them (the bus).
   */
  onReplayed?: (entities: Array<{ key: string; version: number }>, versionKeys: string[]) => void;
}

/** How often an untrusted L2 tries to recover in the background. */
const RECOVERY_RETRY_MS = 100;

/** How long collection version counters live; far longer than any entry. */
const COLLECTION_VERSION_TTL_MS = 7 * 24 * 3600 * 1000;

const EMPTY = Buffer.alloc(0);

export class L2Store {
  private readonly driver: L2Driver;
  private readonly gate: CallGate;
  private readonly epochKey: string;
  private readonly epochState: L2Epoch;
  private recovery: Promise<void> | undefined;
  /** The sharded layout's policy (Redis Cluster); undefined: one epoch key, one driver call per method. */
  private readonly shards: L2Shards | undefined;

  constructor(private readonly options: L2StoreOptions) {
    this.gate = options.gate;
    this.epochKey = options.keys.epoch();
    this.epochState = new L2Epoch((reason) => options.onEpochChange?.(reason));
    this.driver = options.driver;
    this.shards =
      options.keys.shards > 0
        ? new L2Shards({
            driver: options.driver,
            keys: options.keys,
            now: options.now,
            known: () => this.epochState.known,
            observe: (epoch) => this.epochState.observe(epoch),
          })
        : undefined;
    // Each connection first checks whether the server restarted or failed
    // over since the epoch was set (it may hold records older than writes it
    // lost or never saw); L2 is not used until that check has run.
    const check = () => {
      this.serverChecked = false;
      if (this.shards) this.shards.generation++;
      this.recovery ??= this.checkServer().finally(() => (this.recovery = undefined));
      this.keepRecovering();
    };
    this.driver.onConnect(check);
  }

  private serverChecked = false;
  private recoveryTimer: NodeJS.Timeout | undefined;

  private async checkServer(): Promise<void> {
    const runId = await this.call((d) => d.serverId());
    if (!runId) return;
    const epoch = await this.call((d) => d.checkServer(this.epochKey, runId, this.options.now()));
    // -1 (sharded): the servers changed while they were checked; the next check runs.
    if (epoch === undefined || epoch < 0) return;
    this.serverChecked = true;
    this.takeEpoch(epoch);
  }

  /** Records changes L2 may lack; L2 is untrusted until they are replayed (or, without `change`, until the epoch advances). */
  private missed(
    reason: MissReason,
    change?: { entities?: readonly MissedEntity[]; collections?: readonly string[] },
  ): void {
    this.epochState.markMissed(change);
    this.options.onMissed?.(reason);
    this.keepRecovering();
  }

  /**
   * Until L2 is trusted again, tries to recover every so often, whether or
   * not this instance reads L2: an instance serving from L1 alone must still
   * replay what it missed, since other instances read those L2 records.
   */
  private keepRecovering(): void {
    if (this.recoveryTimer) return;
    const tick = () => {
      this.recoveryTimer = undefined;
      if (this.epochState.trusted && this.serverChecked) return;
      this.usable();
      this.recoveryTimer = setTimeout(tick, RECOVERY_RETRY_MS);
      this.recoveryTimer.unref();
    };
    this.recoveryTimer = setTimeout(tick, 0);
    this.recoveryTimer.unref();
  }

  get available(): boolean {
    return this.gate.available && this.epochState.trusted && this.serverChecked;
  }

  /** The epoch this instance last saw; write paths snapshot it before a write runs. */
  get knownEpoch(): number | undefined {
    return this.epochState.known;
  }

  /** Records that L2 may lack changes nobody can name (e.g. change-feed notifications lost): the epoch must advance. */
  markMissed(reason: MissReason): void {
    this.missed(reason);
  }

  /** Counts one round trip, for the request it serves (if any) and in the metrics. */
  private trip = (stats?: RequestStats) => () => {
    countInto(stats, 'redisRoundTrips');
    this.options.onRoundTrip?.();
  };

  /**
   * Runs one L2 call through the gate: one driver call (one round trip), or
   * on a sharded layout one operation per shard, one round trip per server.
   */
  private call<T>(op: (ops: L2Ops) => Promise<T>, stats?: RequestStats): Promise<T | undefined> {
    if (this.shards) {
      const ops = this.shards.ops(this.trip(stats));
      return this.gate.run(() => op(ops));
    }
    return this.gate.run(() => op(this.driver), this.trip(stats));
  }

  /** True when L2 may be used now; otherwise starts the epoch advance that makes it usable again. */
  private usable(): boolean {
    if (this.shards && this.serverChecked && this.shards.moved()) {
      this.serverChecked = false;
      this.shards.generation++;
    }
    if (this.epochState.trusted && this.serverChecked) return true;
    if (!this.recovery && this.gate.available) {
      const step = this.serverChecked ? () => this.recover() : () => this.checkServer();
      this.recovery = step().finally(() => (this.recovery = undefined));
    }
    return false;
  }

  /** Replays missed changes as fences and bumps, or advances the epoch; one round trip. */
  private async recover(): Promise<void> {
    const plan = this.epochState.plan();
    const now = Math.round(this.options.now());
    if (plan.advance) {
      const next = await this.call((d) => d.advanceEpoch(this.epochKey, now));
      if (next !== undefined) this.epochState.done(plan, next);
      return;
    }
    const fences = plan.fences.map((f): EntityWrite => ({
      key: f.key,
      version: f.version,
      record: EMPTY,
      ttlMs: f.ttlMs,
      fence: true,
    }));
    // Both calls are sent together: one round trip.
    const replayed = await this.call((d) =>
      Promise.all([
        fences.length ? d.writeEntities(this.epochKey, fences, -1, now) : null,
        plan.bumps.length ? d.bumpCollections(plan.bumps, COLLECTION_VERSION_TTL_MS) : null,
      ]),
    );
    if (replayed === undefined) return;
    this.epochState.done(plan);
    this.options.onReplayed?.(
      plan.fences.map(({ key, version }) => ({ key, version })),
      plan.bumps,
    );
  }

  /** Reads raw values for `keys` and the current epoch in one MGET; undefined when L2 cannot be used. */
  async read(keys: readonly string[], stats?: RequestStats): Promise<L2Read | undefined> {
    // A new connection's server check is two quick commands: wait for it rather than skip L2.
    if (!this.serverChecked && this.recovery) await this.recovery;
    if (!this.usable()) return undefined;
    const raw = await this.call((d) => d.read(keys, this.epochKey), stats);
    // Epoch -1 (sharded): served by a server not checked yet, not to be trusted.
    if (!raw || raw.epoch < 0) return undefined;
    let epoch = this.takeEpoch(raw.epoch);
    // Redis has no epoch (new, flushed, restarted empty, evicted): no record
    // is valid; start one so this read's fills can be kept.
    if (epoch === 0) epoch = this.takeEpoch(await this.ensureEpoch(stats));
    return { values: raw.values, epoch };
  }

  private ensureEpoch(stats?: RequestStats): Promise<number | undefined> {
    return this.call((d) => d.ensureEpoch(this.epochKey, Math.round(this.options.now())), stats);
  }

  /** Notes an epoch the store returned; 0 (or undefined) when there is none. */
  private takeEpoch(raw: number | undefined): number {
    const epoch = raw ?? 0;
    if (epoch > 0) this.epochState.observe(epoch);
    return epoch;
  }

  /**
   * Fills of values read from the database under `epoch` (read before the
   * query), version-guarded, in one script call; releases `lease` too.
   * Returns, per fill, whether it was stored; undefined when Redis is unavailable.
   */
  async fillEntities(
    fills: readonly EntityFill[],
    epoch: number,
    lease?: { keys: string[]; token: string },
    stats?: RequestStats,
  ): Promise<boolean[] | undefined> {
    if (fills.length === 0 && !lease?.keys.length) return [];
    if (!this.usable()) return undefined;
    const out = await this.call((d) => d.fillEntities(this.epochKey, fills, epoch, lease), stats);
    if (!out) return undefined;
    this.takeEpoch(out.epoch);
    return out.stored;
  }

  /**
   * Applies committed changes: values are written through when `epoch` (the
   * one known before the write ran) is still current, else fenced. A change
   * that cannot be applied makes L2 untrusted until the epoch advances.
   * `carried` is published by the write itself when one script does it all
   * (not sharded): resolved outcomes then mean it was published.
   */
  async writeEntities(
    writes: readonly EntityWrite[],
    epoch: number | undefined,
    carried?: CarriedMessage,
  ): Promise<WriteOutcome[] | undefined> {
    if (writes.length === 0) return [];
    const missed = { entities: writes.map(({ key, version, ttlMs }) => ({ key, version, ttlMs })) };
    if (!this.usable()) return void this.missed('write-skipped', missed);
    const now = Math.round(this.options.now());
    // Sharded, the writes may take several scripts: none carries the message (the caller publishes it).
    const carry = this.shards ? undefined : carried;
    const out = await this.call((d) =>
      d.writeEntities(this.epochKey, writes, epoch ?? -1, now, carry),
    );
    if (!out) return void this.missed('write-failed', missed);
    this.takeEpoch(out.epoch);
    return out.outcomes;
  }

  /**
   * For hard misses: reads each entity again and takes the lease of each
   * still missing, in one call. Per key: the fresh record now there, true
   * (lease taken) or false (held elsewhere). Undefined when L2 cannot be used.
   */
  async acquireOrRead(
    pairs: ReadonlyArray<{ key: string; leaseKey: string }>,
    token: string,
    leaseMs: number,
  ): Promise<{ epoch: number; results: Array<Buffer | boolean> } | undefined> {
    if (!this.usable()) return undefined;
    const now = Math.round(this.options.now());
    const out = await this.call((d) => d.acquireOrRead(this.epochKey, pairs, token, leaseMs, now));
    if (!out || out.epoch < 0) return undefined;
    return { epoch: this.takeEpoch(out.epoch), results: out.results };
  }

  /** Epoch- and collection-version-guarded fills in one script call. */
  async fillCollections(
    fills: readonly CollectionFill[],
    epoch: number,
    stats?: RequestStats,
  ): Promise<number | undefined> {
    if (fills.length === 0) return 0;
    if (!this.usable()) return undefined;
    return this.call((d) => d.fillCollections(this.epochKey, fills, epoch), stats);
  }

  /** Increments collection versions; returns the new versions, or undefined (and L2 untrusted) if that failed. */
  async bumpCollections(versionKeys: readonly string[]): Promise<number[] | undefined> {
    if (versionKeys.length === 0) return [];
    if (!this.usable()) return void this.missed('write-skipped', { collections: versionKeys });
    const out = await this.call((d) => d.bumpCollections(versionKeys, COLLECTION_VERSION_TTL_MS));
    if (!out) this.missed('write-failed', { collections: versionKeys });
    return out;
  }

  /** Tries to take a lease (SET NX PX); true when this caller holds it. */
  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (!this.usable()) return false;
    return (await this.call((d) => d.acquireLease(key, token, ttlMs))) === true;
  }

  /** Releases leases this caller still holds (compare-and-delete). */
  async releaseLeases(keys: readonly string[], token: string): Promise<void> {
    if (keys.length === 0) return;
    await this.call((d) => d.releaseLeases(keys, token));
  }

  /** Deletes keys (e.g. undecodable records). */
  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call((d) => d.delete(keys));
  }
}
