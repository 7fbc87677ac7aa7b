/**
 * L2 over a sharded key layout (Redis Cluster, `REDIS_CACHE_SHARDS` > 0, see
 * keys.ts): store-level policy on top of the driver, used by l2-store.ts.
 *
 * Every entity, collection and lease key carries one of N hash tags, and
 * each tag has its own copy of the L2 epoch. An L2 call is split into one
 * driver operation per shard (its keys and its epoch copy: never
 * cross-slot) and sent with `L2Driver.batch`: one pipeline per server, one
 * round trip per server.
 *
 * The copies hold one value. The epoch that counts is the highest copy seen
 * (or known); a copy below it (an advance in progress, a copy lost with its
 * node) is raised to it, and until then that shard's records count as
 * misses. A failover is caught like a restart on one server: each shard's
 * copy is checked against the run id of the server serving it, and checked
 * again when a shard's epoch moves to another server (`moved`) or a server
 * joins or leaves (the driver's `onConnect`). A read served by a server not
 * checked yet is discarded (epoch -1), as is a check that could not name
 * every server or spanned a change of servers.
 */
import type {
  Clock,
  CollectionFill,
  EntityFill,
  EntityWrite,
  L2Driver,
  ShardCall,
  WriteOutcome,
} from './contracts.js';
import type { CacheKeys } from './keys.js';

/** The operations the L2 tier calls; `L2Shards.ops` gives them over every shard. */
export type L2Ops = Pick<
  L2Driver,
  | 'serverId'
  | 'checkServer'
  | 'read'
  | 'ensureEpoch'
  | 'advanceEpoch'
  | 'fillEntities'
  | 'writeEntities'
  | 'acquireOrRead'
  | 'fillCollections'
  | 'bumpCollections'
  | 'acquireLease'
  | 'releaseLeases'
  | 'delete'
>;

export interface L2ShardsOptions {
  driver: L2Driver;
  keys: CacheKeys;
  now: Clock;
  /** The epoch the L2 tier knows, and how to tell it of a new one. */
  known: () => number | undefined;
  observe: (epoch: number) => void;
}

type Group<T> = { epochKey: string; members: Array<{ item: T; index: number }> };

export class L2Shards {
  /** Bumped whenever the servers must be checked again; a read that spans a bump is discarded. */
  generation = 0;
  /** The server serving each shard's epoch copy when the servers were last checked. */
  private checkedOwners: Array<string | undefined> = [];
  private raising: { target: number; done: Promise<void> } | undefined;
  private readonly driver: L2Driver;
  private readonly epochKeys: string[];

  constructor(private readonly options: L2ShardsOptions) {
    this.driver = options.driver;
    this.epochKeys = options.keys.epochKeys();
  }

  /** Whether a shard's epoch copy moved to another server since the servers were checked. */
  moved(): boolean {
    return this.epochKeys.some((key, i) => this.driver.ownerOf(key) !== this.checkedOwners[i]);
  }

  /** Groups items by the epoch copy guarding their key, keeping their indexes. */
  private byShard<T>(items: readonly T[], keyOf: (item: T) => string): Array<Group<T>> {
    const groups = new Map<string, Array<{ item: T; index: number }>>();
    items.forEach((item, index) => {
      const epochKey = this.options.keys.epochOf(keyOf(item));
      let members = groups.get(epochKey);
      if (!members) groups.set(epochKey, (members = []));
      members.push({ item, index });
    });
    return [...groups].map(([epochKey, members]) => ({ epochKey, members }));
  }

  /**
   * The epoch every record must carry now, from the copies one batch saw:
   * the highest seen or known. Lower copies are raised (`raised`), and their
   * shards' records do not count until then (`ok` false).
   */
  private settle(
    copies: readonly number[],
    trip: () => void,
  ): { epoch: number; ok: boolean[]; raised?: Promise<void> } {
    let epoch = Math.max(this.options.known() ?? 0, ...copies);
    if (epoch === 0) epoch = Math.round(this.options.now());
    const ok = copies.map((copy) => copy === epoch);
    const raised = ok.every(Boolean) ? undefined : this.raiseAll(epoch, trip);
    raised?.catch(() => undefined);
    if (epoch !== this.options.known()) this.options.observe(epoch);
    return { epoch, ok, raised };
  }

  /** Raises every shard's epoch copy to at least `target`; one pipeline per server. */
  private raiseAll(target: number, trip: () => void): Promise<void> {
    if (this.raising && this.raising.target >= target) return this.raising.done;
    const done = this.driver
      .batch(
        this.epochKeys.map((key): ShardCall<number> => ({
          key,
          run: (d) => d.raiseEpoch(key, target),
        })),
        trip,
      )
      .then(() => undefined)
      .finally(() => {
        if (this.raising?.done === done) this.raising = undefined;
      });
    this.raising = { target, done };
    return done;
  }

  /** The L2 tier's operations over every shard, for one L2 call; `trip` is called once per round trip (per server). */
  ops(trip: () => void): L2Ops {
    const driver = this.driver;
    const batch = <T>(calls: Array<ShardCall<T>>) => driver.batch(calls, trip);
    const discarded = (generation: number) => generation !== this.generation || this.moved();
    return {
      serverId: async () => 'shards',
      checkServer: async (_epochKey, _serverId, now) => {
        const generation = this.generation;
        const owners = this.epochKeys.map((key) => driver.ownerOf(key));
        const ids = await driver.serverIds(this.epochKeys, trip);
        // A server not known yet (slots still loading): the next check runs.
        if (ids.some((id) => !id)) return -1;
        const copies = await batch(
          this.epochKeys.map((key, i) => ({ key, run: (d) => d.checkServer(key, ids[i]!, now) })),
        );
        if (generation !== this.generation) return -1;
        this.checkedOwners = owners;
        const { epoch, raised } = this.settle(copies, trip);
        await raised;
        return epoch;
      },
      read: async (keys) => {
        const generation = this.generation;
        const shards = this.byShard(keys, (key) => key);
        const replies = await batch(
          shards.map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) =>
              d.read(
                members.map((m) => m.item),
                epochKey,
              ),
          })),
        );
        // Served by a server not checked yet (failover, restart): not to be trusted.
        if (discarded(generation)) return { values: [], epoch: -1 };
        const { epoch, ok, raised } = this.settle(
          replies.map((r) => r.epoch),
          trip,
        );
        if (raised && replies.some((r) => r.epoch === 0)) await raised.catch(() => undefined);
        const values = new Array<Buffer | null>(keys.length).fill(null);
        shards.forEach(({ members }, s) => {
          if (ok[s])
            members.forEach(({ index }, j) => (values[index] = replies[s]!.values[j] ?? null));
        });
        return { values, epoch };
      },
      ensureEpoch: async (_epochKey, now) => {
        const copies = await batch(
          this.epochKeys.map((key) => ({ key, run: (d) => d.ensureEpoch(key, now) })),
        );
        return this.settle(copies, trip).epoch;
      },
      advanceEpoch: async (_epochKey, now) => {
        // Every copy moves past its current value, to the same value where they agreed.
        const target = Math.max(now, (this.options.known() ?? 0) + 1);
        const copies = await batch(
          this.epochKeys.map((key) => ({ key, run: (d) => d.advanceEpoch(key, target) })),
        );
        const next = Math.max(...copies);
        await this.raiseAll(next, trip).catch(() => undefined);
        return next;
      },
      fillEntities: async (_epochKey, fills, expectedEpoch, lease) => {
        const items = [
          ...fills.map((fill) => ({ key: fill.key, fill })),
          ...(lease?.keys ?? []).map((key) => ({ key, fill: undefined })),
        ];
        const shards = this.byShard(items, (item) => item.key);
        const out = await batch(
          shards.map(({ epochKey, members }) => {
            const shardFills = members.flatMap((m): EntityFill[] =>
              m.item.fill ? [m.item.fill] : [],
            );
            const leaseKeys = members.flatMap((m) => (m.item.fill ? [] : [m.item.key]));
            return {
              key: epochKey,
              run: (d) =>
                d.fillEntities(
                  epochKey,
                  shardFills,
                  expectedEpoch,
                  lease ? { keys: leaseKeys, token: lease.token } : undefined,
                ),
            };
          }),
        );
        const stored = new Array<boolean>(fills.length).fill(false);
        shards.forEach(({ members }, s) => {
          let j = 0;
          for (const { item, index } of members)
            if (item.fill) stored[index] = out[s]!.stored[j++] === true;
        });
        return {
          epoch: this.settle(
            out.map((r) => r.epoch),
            trip,
          ).epoch,
          stored,
        };
      },
      writeEntities: async (_epochKey, writes, expectedEpoch, now) => {
        const shards = this.byShard(writes, (w) => w.key);
        const out = await batch(
          shards.map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) =>
              d.writeEntities(
                epochKey,
                members.map((m): EntityWrite => m.item),
                expectedEpoch,
                now,
              ),
          })),
        );
        const outcomes = new Array<WriteOutcome>(writes.length).fill('kept');
        shards.forEach(({ members }, s) =>
          members.forEach(({ index }, j) => (outcomes[index] = out[s]!.outcomes[j] ?? 'kept')),
        );
        return {
          epoch: this.settle(
            out.map((r) => r.epoch),
            trip,
          ).epoch,
          outcomes,
        };
      },
      acquireOrRead: async (_epochKey, pairs, token, leaseMs, now) => {
        const generation = this.generation;
        const shards = this.byShard(pairs, (p) => p.key);
        const out = await batch(
          shards.map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) =>
              d.acquireOrRead(
                epochKey,
                members.map((m) => m.item),
                token,
                leaseMs,
                now,
              ),
          })),
        );
        // Records from a server not checked yet (failover, restart) are not to be trusted.
        if (discarded(generation)) return { epoch: -1, results: [] };
        const { epoch, ok } = this.settle(
          out.map((r) => r.epoch),
          trip,
        );
        const results = new Array<Buffer | boolean>(pairs.length).fill(false);
        shards.forEach(({ members }, s) =>
          members.forEach(({ index }, j) => {
            const r = out[s]!.results[j] ?? false;
            // A record from a shard whose epoch copy lags is not to be used: wait for it instead.
            results[index] = Buffer.isBuffer(r) ? (ok[s] ? r : false) : r;
          }),
        );
        return { epoch, results };
      },
      fillCollections: async (_epochKey, fills, expectedEpoch) => {
        const shards = this.byShard(fills, (f) => f.versionKey);
        const out = await batch(
          shards.map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) =>
              d.fillCollections(
                epochKey,
                members.map((m): CollectionFill => m.item),
                expectedEpoch,
              ),
          })),
        );
        return out.reduce((sum, n) => sum + n, 0);
      },
      bumpCollections: async (versionKeys, ttlMs) => {
        const shards = this.byShard(versionKeys, (k) => k);
        const out = await batch(
          shards.map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) =>
              d.bumpCollections(
                members.map((m) => m.item),
                ttlMs,
              ),
          })),
        );
        const versions = new Array<number>(versionKeys.length).fill(0);
        shards.forEach(({ members }, s) =>
          members.forEach(({ index }, j) => (versions[index] = out[s]![j]!)),
        );
        return versions;
      },
      acquireLease: async (key, token, ttlMs) =>
        (await batch([{ key, run: (d) => d.acquireLease(key, token, ttlMs) }]))[0]!,
      releaseLeases: async (keys, token) => {
        await batch(
          this.byShard(keys, (k) => k).map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) =>
              d.releaseLeases(
                members.map((m) => m.item),
                token,
              ),
          })),
        );
      },
      delete: async (keys) => {
        await batch(
          this.byShard(keys, (k) => k).map(({ epochKey, members }) => ({
            key: epochKey,
            run: (d) => d.delete(members.map((m) => m.item)),
          })),
        );
      },
    };
  }
}
