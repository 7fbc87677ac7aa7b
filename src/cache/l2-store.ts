/**
 * L2: Redis. Every method is one round trip (MGET or one script) per Redis
 * node it touches (on a cluster: one command per key shard, pipelined per
 * node, see src/redis/slot-batches.ts) and goes through the circuit breaker; a method returns `undefined` when Redis is
 * unavailable or L2 is not trusted, and the caller falls back to L1 and the
 * database. Nothing here throws on a Redis failure.
 *
 * Changes (write-throughs, fences, collection bumps) that cannot be applied
 * are not dropped silently: they make L2 untrusted until the epoch has been
 * advanced (see l2-epoch.ts), so no record written before can hide them.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { countInto, type RequestStats } from '../observability/request-stats.js';
import { isCluster, type RedisGate } from '../redis/redis-client.js';
import { keySlot, runPerNode, type SlotCommand } from '../redis/slot-batches.js';
import type { CacheKeys } from './keys.js';
import { L2Epoch, type MissedEntity, type MissReason } from './l2-epoch.js';
import {
  ACQUIRE_OR_READ, ADVANCE_EPOCH, BUMP_COLLECTIONS, CHECK_SERVER, ENSURE_EPOCH, FILL_COLLECTIONS, FILL_ENTITIES, RAISE_EPOCH, RELEASE_LEASE, WRITE_ENTITIES,
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
/** The same scripts queued on a pipeline (replies come with `exec`). */
type ScriptedPipeline = ChainableCommander & { [name in keyof typeof SCRIPTS | 'catalogAcquireOrReadBuffer' | 'mgetBuffer']: (...args: Arg[]) => unknown };

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
  catalogRaiseEpoch: RAISE_EPOCH,
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
  /** Key layout: the epoch key, or one epoch copy per shard (see keys.ts). */
  keys: CacheKeys;
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
  private readonly keys: CacheKeys;
  /** Sharded layout (Redis Cluster): epochs are per-shard copies of one value. */
  private readonly sharded: boolean;
  private readonly epochSlots: number[];
  private readonly epochState: L2Epoch;
  private recovery: Promise<void> | undefined;
  private raising: { target: number; done: Promise<void> } | undefined;
  /** The node serving each shard's epoch when the servers were last checked (cluster). */
  private checkedOwners: Array<string | undefined> = [];
  /** Bumped whenever the servers must be checked again; a read that spans a bump is discarded. */
  private checkGeneration = 0;

  constructor(private readonly options: L2StoreOptions) {
    this.gate = options.gate;
    this.keys = options.keys;
    this.epochKey = options.keys.epoch();
    this.sharded = options.keys.shards > 0;
    this.epochSlots = options.keys.epochKeys().map(keySlot);
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
      this.checkGeneration++;
      this.recovery ??= this.checkServer().finally(() => (this.recovery = undefined));
      this.keepRecovering();
    };
    client.on('ready', check);
    // A cluster node joined, left or reconnected: it may have restarted or
    // failed over, and hold records older than writes it lost.
    const connection = options.gate.client;
    if (isCluster(connection)) for (const event of ['+node', '-node'] as const) connection.on(event, () => connection.status === 'ready' && check());
    if (client.status === 'ready') check();
  }

  /** On a cluster: whether a shard's epoch moved to another node since the servers were checked. */
  private ownersMoved(): boolean {
    const client = this.gate.client;
    if (!isCluster(client) || !this.serverChecked) return false;
    return this.epochSlots.some((slot, i) => client.slots[slot]?.[0] !== this.checkedOwners[i]);
  }

  /** Runs per-shard commands: one pipeline per node, each counted as a round trip. */
  private batch(commands: readonly SlotCommand[], stats?: RequestStats): Promise<unknown[] | undefined> {
    return this.gate.run((client) => runPerNode(client, commands, this.trip(stats)));
  }

  /** Groups items by the epoch key guarding their key (one group when not sharded), keeping their indexes. */
  private byShard<T>(items: readonly T[], keyOf: (item: T) => string): Array<{ epochKey: string; members: Array<{ item: T; index: number }> }> {
    const groups = new Map<string, Array<{ item: T; index: number }>>();
    items.forEach((item, index) => {
      const epochKey = this.keys.epochOf(keyOf(item));
      let members = groups.get(epochKey);
      if (!members) groups.set(epochKey, (members = []));
      members.push({ item, index });
    });
    return [...groups].map(([epochKey, members]) => ({ epochKey, members }));
  }

  /**
   * Sharded: the epoch every record must carry now, from the copies one
   * batch saw: the highest seen or known. A copy below it (an advance in
   * progress, a copy lost with its node) is raised to it, and until then
   * that shard's records count as misses (`ok` false).
   */
  private settle(copies: readonly number[]): { epoch: number; ok: boolean[]; raised?: Promise<void> } {
    let epoch = Math.max(this.epochState.known ?? 0, ...copies);
    if (epoch === 0) epoch = Math.round(this.options.now());
    const ok = copies.map((copy) => copy === epoch);
    const raised = ok.every(Boolean) ? undefined : this.raiseAll(epoch);
    if (epoch !== this.epochState.known) this.epochState.observe(epoch);
    return { epoch, ok, raised };
  }

  /** Raises every shard's epoch copy to at least `target`; one pipeline per node. */
  private raiseAll(target: number): Promise<void> {
    if (this.raising && this.raising.target >= target) return this.raising.done;
    const keys = this.keys.epochKeys();
    const done = this.batch(keys.map((key) => ({ key, add: (p) => (p as ScriptedPipeline).catalogRaiseEpoch(1, key, String(target)) })))
      .then(() => undefined)
      .finally(() => {
        if (this.raising?.done === done) this.raising = undefined;
      });
    this.raising = { target, done };
    return done;
  }

  private serverChecked = false;
  private recoveryTimer: NodeJS.Timeout | undefined;

  private async checkServer(): Promise<void> {
    if (this.sharded) return this.checkShardServers();
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

  /**
   * Sharded: the per-connection check of every shard, against the run id of
   * the node serving its epoch copy now; a shard whose node restarted or
   * failed over advances its copy, and the others are raised to it.
   */
  private async checkShardServers(): Promise<void> {
    const client = this.gate.client;
    const generation = this.checkGeneration;
    const epochKeys = this.keys.epochKeys();
    const nodes = isCluster(client) ? client.nodes('master') : [client];
    const infos = await this.gate.run(
      () => Promise.all(nodes.map((node) => { this.trip()(); return node.info('server'); })),
    );
    if (!infos) return;
    const runIds = new Map(nodes.map((node, i) => [`${node.options.host}:${node.options.port}`, /run_id:(\w+)/.exec(infos[i]!)?.[1]]));
    const owners = this.epochSlots.map((slot) => (isCluster(client) ? client.slots[slot]?.[0] : undefined));
    const runIdOf = (i: number) => (isCluster(client) ? runIds.get(owners[i] ?? '') : [...runIds.values()][0]);
    if (epochKeys.some((_, i) => !runIdOf(i))) return;
    const now = Math.round(this.options.now());
    const replies = await this.batch(
      epochKeys.map((key, i) => ({ key, add: (p) => (p as ScriptedPipeline).catalogCheckServer(2, key, `${key}:server`, runIdOf(i)!, now) })),
    );
    if (!replies || generation !== this.checkGeneration) return;
    this.checkedOwners = owners;
    const { raised } = this.settle(replies.map((r) => Number(String(r)) || 0));
    await raised;
    this.serverChecked = true;
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
    if (this.ownersMoved()) {
      this.serverChecked = false;
      this.checkGeneration++;
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
      // Every copy moves past its current value, to the same value where they agreed.
      const target = String(Math.max(now, (this.epochState.known ?? 0) + 1));
      const copies = await this.batch(
        this.keys.epochKeys().map((key) => ({ key, add: (p) => (p as ScriptedPipeline).catalogAdvanceEpoch(1, key, target) })),
      );
      if (copies === undefined) return;
      const next = Math.max(...copies.map((c) => Number(String(c)) || 0));
      if (this.sharded) await this.raiseAll(next).catch(() => undefined);
      this.epochState.done(plan, next);
      return;
    }
    const commands: SlotCommand[] = [
      ...this.writeCommands(plan.fences.map((f) => ({ key: f.key, version: f.version, record: Buffer.alloc(0), ttlMs: f.ttlMs, fence: true })), '-1', now)
        .commands,
      ...this.bumpCommands(plan.bumps).commands,
    ];
    const replayed = await this.batch(commands);
    if (replayed === undefined) return;
    this.epochState.done(plan);
    this.options.onReplayed?.(plan.fences.map(({ key, version }) => ({ key, version })), plan.bumps);
  }

  /** Reads raw values for `keys` and the current epoch in one MGET; undefined when L2 cannot be used. */
  async read(keys: readonly string[], stats?: RequestStats): Promise<L2Read | undefined> {
    // A new connection's server check is two quick commands: wait for it rather than skip L2.
    if (!this.serverChecked && this.recovery) await this.recovery;
    if (!this.usable()) return undefined;
    if (this.sharded) return this.readSharded(keys, stats);
    const raw = await this.gate.run((r) => r.mgetBuffer(...keys, this.epochKey), this.trip(stats));
    if (!raw) return undefined;
    let epoch = this.takeEpoch(raw.pop());
    // Redis has no epoch (new, flushed, restarted empty, evicted): no record
    // is valid; start one so this read's fills can be kept.
    if (epoch === 0) epoch = this.takeEpoch(await this.ensureEpoch(stats));
    return { values: raw, epoch };
  }

  /** `read` over shards: one MGET per shard (its keys and its epoch copy), pipelined per node. */
  private async readSharded(keys: readonly string[], stats?: RequestStats): Promise<L2Read | undefined> {
    const generation = this.checkGeneration;
    const shards = this.byShard(keys, (key) => key);
    const replies = await this.batch(
      shards.map(({ epochKey, members }) => ({ key: epochKey, add: (p) => (p as ScriptedPipeline).mgetBuffer(...members.map((m) => m.item), epochKey) })),
      stats,
    );
    // Served by a node not checked yet (failover, restart): not to be trusted.
    if (!replies || generation !== this.checkGeneration || this.ownersMoved()) return undefined;
    const raw = replies as Array<Array<Buffer | null>>;
    const { epoch, ok, raised } = this.settle(raw.map((r) => Number(r[r.length - 1]?.toString() ?? 0) || 0));
    if (raised && raw.some((r) => r[r.length - 1] === null)) await raised.catch(() => undefined);
    const values = new Array<Buffer | null>(keys.length).fill(null);
    shards.forEach(({ members }, s) => {
      if (ok[s]) members.forEach(({ index }, j) => (values[index] = raw[s]![j] ?? null));
    });
    return { values, epoch };
  }

  private ensureEpoch(stats?: RequestStats): Promise<string | undefined> {
    return this.gate.run(() => this.scripted.catalogEnsureEpoch(1, this.epochKey, Math.round(this.options.now())), this.trip(stats));
  }

  /** Parses an epoch Redis returned and notes it; 0 when there is none. */
  private takeEpoch(raw: Buffer | string | number | null | undefined): number {
    const epoch = Number(raw?.toString() ?? 0) || 0;
    if (this.sharded) return epoch;
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
    const items = [...fills.map((fill) => ({ key: fill.key, fill })), ...(lease?.keys ?? []).map((key) => ({ key, fill: undefined }))];
    const shards = this.byShard(items, (item) => item.key);
    const replies = await this.batch(
      shards.map(({ epochKey, members }) => {
        const shardFills = members.flatMap((m) => (m.item.fill ? [m.item.fill] : []));
        const leaseKeys = members.flatMap((m) => (m.item.fill ? [] : [m.item.key]));
        const keys = [epochKey, ...shardFills.map((f) => f.key), ...leaseKeys];
        const args = shardFills.flatMap((f) => [f.version, f.record, Math.max(1, Math.round(f.ttlMs))]);
        return { key: epochKey, add: (p) => (p as ScriptedPipeline).catalogFillEntities(keys.length, ...keys, String(epoch), lease?.token ?? '', shardFills.length, ...args) };
      }),
      stats,
    );
    if (!replies) return undefined;
    const out = replies as number[][];
    this.noteEpochs(out.map((r) => r[0]!));
    const stored = new Array<boolean>(fills.length).fill(false);
    shards.forEach(({ members }, s) => {
      let j = 1;
      for (const { item, index } of members) if (item.fill) stored[index] = out[s]![j++] === 1;
    });
    return stored;
  }

  /** Notes the epoch copies a script returned (the first reply of each). */
  private noteEpochs(copies: readonly number[]): void {
    if (this.sharded) this.settle(copies.map((c) => Number(c) || 0)).raised?.catch(() => undefined);
    else this.takeEpoch(copies[0]);
  }

  /** Per-shard WRITE_ENTITIES commands for `writes`, and how to put their flags back in order. */
  private writeCommands(writes: readonly EntityWrite[], epoch: string, now: number) {
    const shards = this.byShard(writes, (w) => w.key);
    const commands: SlotCommand[] = shards.map(({ epochKey, members }) => {
      const keys = [epochKey, ...members.map((m) => m.item.key)];
      const args = members.flatMap(({ item: w }) => [w.version, w.record, Math.max(1, Math.round(w.ttlMs)), w.fence ? 1 : 0]);
      return { key: epochKey, add: (p) => (p as ScriptedPipeline).catalogWriteEntities(keys.length, ...keys, epoch, now, ...args) };
    });
    const flags = (out: number[][]) => {
      const result = new Array<number>(writes.length).fill(0);
      shards.forEach(({ members }, s) => members.forEach(({ index }, j) => (result[index] = out[s]![j + 1]!)));
      return result;
    };
    return { commands, flags };
  }

  /** Per-shard BUMP_COLLECTIONS commands, and how to put the new versions back in order. */
  private bumpCommands(versionKeys: readonly string[]) {
    const shards = this.byShard(versionKeys, (k) => k);
    const commands: SlotCommand[] = shards.map(({ members }) => {
      const keys = members.map((m) => m.item);
      return { key: keys[0]!, add: (p) => (p as ScriptedPipeline).catalogBumpCollections(keys.length, ...keys, COLLECTION_VERSION_TTL_MS) };
    });
    const versions = (out: number[][]) => {
      const result = new Array<number>(versionKeys.length).fill(0);
      shards.forEach(({ members }, s) => members.forEach(({ index }, j) => (result[index] = out[s]![j]!)));
      return result;
    };
    return { commands, versions };
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
    const { commands, flags } = this.writeCommands(writes, String(epoch ?? -1), Math.round(this.options.now()));
    const out = (await this.batch(commands)) as number[][] | undefined;
    if (!out) return void this.missed('write-failed', missed);
    this.noteEpochs(out.map((r) => r[0]!));
    return flags(out).map((flag) => (flag === 1 ? 'value' : flag === 2 ? 'fence' : 'kept'));
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
    const generation = this.checkGeneration;
    const now = Math.round(this.options.now());
    const shards = this.byShard(pairs, (p) => p.key);
    const out = (await this.batch(
      shards.map(({ epochKey, members }) => {
        const keys = [epochKey, ...members.flatMap((m) => [m.item.key, m.item.leaseKey])];
        return { key: epochKey, add: (p) => (p as ScriptedPipeline).catalogAcquireOrReadBuffer(keys.length, ...keys, token, Math.max(1, Math.round(leaseMs)), now) };
      }),
    )) as Array<Array<number | Buffer>> | undefined;
    // Records from a node not checked yet (failover, restart) are not to be trusted.
    if (!out || generation !== this.checkGeneration || this.ownersMoved()) return undefined;
    let epoch: number;
    let ok = shards.map(() => true);
    if (this.sharded) ({ epoch, ok } = this.settle(out.map((r) => Number(r[0]) || 0)));
    else epoch = this.takeEpoch(out[0]![0] as number);
    const results = new Array<Buffer | boolean>(pairs.length).fill(false);
    shards.forEach(({ members }, s) =>
      members.forEach(({ index }, j) => {
        const r = out[s]![j + 1];
        // A record from a shard whose epoch copy lags is not to be used: wait for it instead.
        results[index] = Buffer.isBuffer(r) ? (ok[s] ? r : false) : r === 1;
      }),
    );
    return { epoch, results };
  }

  /** Epoch- and collection-version-guarded fills in one script call. */
  async fillCollections(fills: readonly CollectionFill[], epoch: number, stats?: RequestStats): Promise<number | undefined> {
    if (fills.length === 0) return 0;
    if (!this.usable()) return undefined;
    const shards = this.byShard(fills, (f) => f.versionKey);
    const out = await this.batch(
      shards.map(({ epochKey, members }) => {
        const keys = [epochKey, ...members.flatMap(({ item: f }) => [f.versionKey, f.key])];
        const args = members.flatMap(({ item: f }) => [String(f.expectedVersion), f.record, Math.max(1, Math.round(f.ttlMs))]);
        return { key: epochKey, add: (p) => (p as ScriptedPipeline).catalogFillCollections(keys.length, ...keys, String(epoch), ...args) };
      }),
      stats,
    );
    return out?.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  /** Increments collection versions; returns the new versions, or undefined (and L2 untrusted) if that failed. */
  async bumpCollections(versionKeys: readonly string[]): Promise<number[] | undefined> {
    if (versionKeys.length === 0) return [];
    if (!this.usable()) return void this.missed('write-skipped', { collections: versionKeys });
    const { commands, versions } = this.bumpCommands(versionKeys);
    const out = (await this.batch(commands)) as number[][] | undefined;
    if (!out) return void this.missed('write-failed', { collections: versionKeys });
    return versions(out);
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
    await this.batch(this.byShard(keys, (k) => k).map(({ members }) => ({ key: members[0]!.item, add: (p) => p.unlink(...members.map((m) => m.item)) })));
  }
}
