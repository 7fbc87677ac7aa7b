/**
 * L2: Redis. Every method is one round trip (MGET or one script) and goes
 * through the circuit breaker; a method returns `undefined` when Redis is
 * unavailable or L2 is not trusted, and the caller falls back to L1 and the
 * database. Nothing here throws on a Redis failure.
 *
 * Changes (write-throughs, fences, collection bumps) that cannot be applied
 * are not dropped silently: they make L2 untrusted until the epoch has been
 * advanced (see l2-epoch.ts), so no record written before can hide them.
 */
import type { Redis } from 'ioredis';
import { countInto, type RequestStats } from '../observability/request-stats.js';
import type { RedisGate } from '../redis/redis-client.js';
import { L2Epoch, type MissedEntity, type MissReason } from './l2-epoch.js';
import {
  ACQUIRE_OR_READ, ADVANCE_EPOCH, BUMP_COLLECTIONS, CHECK_SERVER, ENSURE_EPOCH, FILL_COLLECTIONS, FILL_ENTITIES, RELEASE_LEASE, WRITE_ENTITIES,
} from './l2-scripts.js';

type Arg = string | Buffer | number;
interface ScriptedRedis extends Redis {
  catalogFillEntities(numKeys: number, ...args: Arg[]): Promise<number[]>;
  catalogWriteEntities(numKeys: number, ...args: Arg[]): Promise<number[]>;
  catalogAcquireOrReadBuffer(numKeys: number, ...args: Arg[]): Promise<Array<number | Buffer>>;
  catalogAdvanceEpoch(numKeys: number, ...args: Arg[]): Promise<string>;
  catalogEnsureEpoch(numKeys: number, ...args: Arg[]): Promise<string>;
  catalogCheckServer(numKeys: number, ...args: Arg[]): Promise<string>;
  catalogFillCollections(numKeys: number, ...args: Arg[]): Promise<number>;
  catalogBumpCollections(numKeys: number, ...args: Arg[]): Promise<number[]>;
  catalogReleaseLease(numKeys: number, ...args: string[]): Promise<number>;
}

const SCRIPTS = {
  catalogFillEntities: FILL_ENTITIES,
  catalogWriteEntities: WRITE_ENTITIES,
  catalogAcquireOrRead: ACQUIRE_OR_READ,
  catalogAdvanceEpoch: ADVANCE_EPOCH,
  catalogEnsureEpoch: ENSURE_EPOCH,
  catalogCheckServer: CHECK_SERVER,
  catalogFillCollections: FILL_COLLECTIONS,
  catalogBumpCollections: BUMP_COLLECTIONS,
  catalogReleaseLease: RELEASE_LEASE,
};

export interface EntityFill {
  key: string;
  version: number;
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

/** Records read in one round trip, with the epoch they must carry to count. */
export interface L2Read {
  values: Array<Buffer | null>;
  /** The current epoch; 0 when Redis has none yet (then no record is valid). */
  epoch: number;
}

export interface L2StoreOptions {
  gate: RedisGate;
  epochKey: string;
  now: () => number;
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

export class L2Store {
  private readonly scripted: ScriptedRedis;
  private readonly gate: RedisGate;
  private readonly epochKey: string;
  private readonly epochState: L2Epoch;
  private recovery: Promise<void> | undefined;

  constructor(private readonly options: L2StoreOptions) {
    this.gate = options.gate;
    this.epochKey = options.epochKey;
    this.epochState = new L2Epoch((reason) => options.onEpochChange?.(reason));
    const client = options.gate.client as ScriptedRedis;
    // defineCommand sends EVALSHA and falls back to EVAL when the script is not loaded.
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in client)) client.defineCommand(name, { lua });
    }
    this.scripted = client;
    // Each connection first checks whether the server restarted or failed
    // over since the epoch was set (it may hold records older than writes it
    // lost or never saw); L2 is not used until that check has run.
    const check = () => {
      this.serverChecked = false;
      this.recovery ??= this.checkServer().finally(() => (this.recovery = undefined));
      this.keepRecovering();
    };
    client.on('ready', check);
    if (client.status === 'ready') check();
  }

  private serverChecked = false;
  private recoveryTimer: NodeJS.Timeout | undefined;

  private async checkServer(): Promise<void> {
    const info = await this.gate.run((r) => r.info('server'), this.trip());
    const runId = info && /run_id:(\w+)/.exec(info)?.[1];
    if (!runId) return;
    const epoch = await this.gate.run(
      () => this.scripted.catalogCheckServer(2, this.epochKey, `${this.epochKey}:server`, runId, Math.round(this.options.now())),
      this.trip(),
    );
    if (epoch === undefined) return;
    this.serverChecked = true;
    this.takeEpoch(epoch);
  }

  /** Records changes L2 may lack; L2 is untrusted until they are replayed (or, without `change`, until the epoch advances). */
  private missed(reason: MissReason, change?: { entities?: readonly MissedEntity[]; collections?: readonly string[] }): void {
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

  /** True when L2 may be used now; otherwise starts the epoch advance that makes it usable again. */
  private usable(): boolean {
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
      const next = await this.gate.run(() => this.scripted.catalogAdvanceEpoch(1, this.epochKey, now), this.trip());
      if (next !== undefined) this.epochState.done(plan, Number(next));
      return;
    }
    const keys = [this.epochKey, ...plan.fences.map((f) => f.key)];
    const args = plan.fences.flatMap((f) => [f.version, '', Math.max(1, Math.round(f.ttlMs)), 1]);
    const replayed = await this.gate.run(
      () =>
        Promise.all([
          plan.fences.length ? this.scripted.catalogWriteEntities(keys.length, ...keys, '-1', now, ...args) : null,
          plan.bumps.length ? this.scripted.catalogBumpCollections(plan.bumps.length, ...plan.bumps, COLLECTION_VERSION_TTL_MS) : null,
        ]),
      this.trip(),
    );
    if (replayed === undefined) return;
    this.epochState.done(plan);
    this.options.onReplayed?.(plan.fences.map(({ key, version }) => ({ key, version })), plan.bumps);
  }

  /** Reads raw values for `keys` and the current epoch in one MGET; undefined when L2 cannot be used. */
  async read(keys: readonly string[], stats?: RequestStats): Promise<L2Read | undefined> {
    // A new connection's server check is two quick commands: wait for it rather than skip L2.
    if (!this.serverChecked && this.recovery) await this.recovery;
    if (!this.usable()) return undefined;
    const raw = await this.gate.run((r) => r.mgetBuffer(...keys, this.epochKey), this.trip(stats));
    if (!raw) return undefined;
    let epoch = this.takeEpoch(raw.pop());
    // Redis has no epoch (new, flushed, restarted empty, evicted): no record
    // is valid; start one so this read's fills can be kept.
    if (epoch === 0) epoch = this.takeEpoch(await this.ensureEpoch(stats));
    return { values: raw, epoch };
  }

  private ensureEpoch(stats?: RequestStats): Promise<string | undefined> {
    return this.gate.run(() => this.scripted.catalogEnsureEpoch(1, this.epochKey, Math.round(this.options.now())), this.trip(stats));
  }

  /** Parses an epoch Redis returned and notes it; 0 when there is none. */
  private takeEpoch(raw: Buffer | string | number | null | undefined): number {
    const epoch = Number(raw?.toString() ?? 0) || 0;
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
    const keys = [this.epochKey, ...fills.map((f) => f.key), ...(lease?.keys ?? [])];
    const args = fills.flatMap((f) => [f.version, f.record, Math.max(1, Math.round(f.ttlMs))]);
    const out = await this.gate.run(
      () => this.scripted.catalogFillEntities(keys.length, ...keys, String(epoch), lease?.token ?? '', fills.length, ...args),
      this.trip(stats),
    );
    if (!out) return undefined;
    this.takeEpoch(out[0]);
    return out.slice(1).map((flag) => flag === 1);
  }

  /**
   * Applies committed changes: values are written through when `epoch` (the
   * one known before the write ran) is still current, else fenced. A change
   * that cannot be applied makes L2 untrusted until the epoch advances.
   */
  async writeEntities(writes: readonly EntityWrite[], epoch: number | undefined): Promise<WriteOutcome[] | undefined> {
    if (writes.length === 0) return [];
    const missed = { entities: writes.map(({ key, version, ttlMs }) => ({ key, version, ttlMs })) };
    if (!this.usable()) return void this.missed('write-skipped', missed);
    const keys = [this.epochKey, ...writes.map((w) => w.key)];
    const args = writes.flatMap((w) => [w.version, w.record, Math.max(1, Math.round(w.ttlMs)), w.fence ? 1 : 0]);
    const now = Math.round(this.options.now());
    const out = await this.gate.run(() => this.scripted.catalogWriteEntities(keys.length, ...keys, String(epoch ?? -1), now, ...args), this.trip());
    if (!out) return void this.missed('write-failed', missed);
    this.takeEpoch(out[0]);
    return out.slice(1).map((flag) => (flag === 1 ? 'value' : flag === 2 ? 'fence' : 'kept'));
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
    const keys = [this.epochKey, ...pairs.flatMap((p) => [p.key, p.leaseKey])];
    const now = Math.round(this.options.now());
    const out = await this.gate.run(
      () => this.scripted.catalogAcquireOrReadBuffer(keys.length, ...keys, token, Math.max(1, Math.round(leaseMs)), now),
      this.trip(),
    );
    if (!out) return undefined;
    const epoch = this.takeEpoch(out[0] as number);
    return { epoch, results: out.slice(1).map((r) => (Buffer.isBuffer(r) ? r : r === 1)) };
  }

  /** Epoch- and collection-version-guarded fills in one script call. */
  async fillCollections(fills: readonly CollectionFill[], epoch: number, stats?: RequestStats): Promise<number | undefined> {
    if (fills.length === 0) return 0;
    if (!this.usable()) return undefined;
    const keys = [this.epochKey, ...fills.flatMap((f) => [f.versionKey, f.key])];
    const args = fills.flatMap((f) => [String(f.expectedVersion), f.record, Math.max(1, Math.round(f.ttlMs))]);
    return this.gate.run(() => this.scripted.catalogFillCollections(keys.length, ...keys, String(epoch), ...args), this.trip(stats));
  }

  /** Increments collection versions; returns the new versions, or undefined (and L2 untrusted) if that failed. */
  async bumpCollections(versionKeys: readonly string[]): Promise<number[] | undefined> {
    if (versionKeys.length === 0) return [];
    if (!this.usable()) return void this.missed('write-skipped', { collections: versionKeys });
    const out = await this.gate.run(
      () => this.scripted.catalogBumpCollections(versionKeys.length, ...versionKeys, COLLECTION_VERSION_TTL_MS),
      this.trip(),
    );
    if (!out) this.missed('write-failed', { collections: versionKeys });
    return out;
  }

  /** Tries to take a lease (SET NX PX); true when this caller holds it. */
  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (!this.usable()) return false;
    const ok = await this.gate.run((r) => r.set(key, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'), this.trip());
    return ok === 'OK';
  }

  /** Releases leases this caller still holds (compare-and-delete). */
  async releaseLeases(keys: readonly string[], token: string): Promise<void> {
    if (keys.length === 0) return;
    await this.gate.run(() => Promise.all(keys.map((key) => this.scripted.catalogReleaseLease(1, key, token))), this.trip());
  }

  /** Deletes keys (e.g. undecodable records). */
  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.gate.run((r) => r.unlink(...keys), this.trip());
  }
}
