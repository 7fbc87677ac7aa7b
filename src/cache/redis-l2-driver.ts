/**
 * The Redis L2 driver: each operation of the L2Driver contract is one MGET,
 * one SET or one Lua script (l2-scripts.ts), run through the application's
 * one Lua runner (src/redis/lua-script.ts: EVALSHA, EVAL on NOSCRIPT, the
 * shared client left unmodified). Errors are thrown; the L2 tier calls these
 * through the Redis gate (breaker, logged once per outage, counted).
 *
 * On a Redis Cluster every operation touches the keys of one shard (one hash
 * tag, see keys.ts), and `batch` sends the operations of one L2 call as one
 * pipeline per node, in parallel (src/redis/slot-batches.ts), counting one
 * round trip per node.
 */
import type { ChainableCommander } from 'ioredis';
import { isNoScript, LuaScript, type ScriptArg } from '../redis/lua-script.js';
import { isCluster, type RedisConnection, type RedisGate } from '../redis/redis-client.js';
import { groupByNode, nodeOf } from '../redis/slot-batches.js';
import type {
  CallGate,
  CarriedMessage,
  CollectionFill,
  EntityFill,
  EntityWrite,
  L2Driver,
  ShardCall,
  WriteOutcome,
} from './contracts.js';
import {
  ACQUIRE_OR_READ,
  ADVANCE_EPOCH,
  BUMP_COLLECTIONS,
  CHECK_SERVER,
  ENSURE_EPOCH,
  FILL_COLLECTIONS,
  FILL_ENTITIES,
  RAISE_EPOCH,
  RELEASE_LEASE,
  WRITE_ENTITIES,
} from './l2-scripts.js';

const scripts = {
  fillEntities: new LuaScript<number[]>(FILL_ENTITIES),
  writeEntities: new LuaScript<number[]>(WRITE_ENTITIES),
  acquireOrRead: new LuaScript<Array<number | Buffer>>(ACQUIRE_OR_READ),
  advanceEpoch: new LuaScript<string>(ADVANCE_EPOCH),
  ensureEpoch: new LuaScript<string>(ENSURE_EPOCH),
  checkServer: new LuaScript<string>(CHECK_SERVER),
  fillCollections: new LuaScript<number>(FILL_COLLECTIONS),
  bumpCollections: new LuaScript<number[]>(BUMP_COLLECTIONS),
  releaseLease: new LuaScript<number>(RELEASE_LEASE),
  raiseEpoch: new LuaScript<string>(RAISE_EPOCH),
};

const ttl = (ms: number) => Math.max(1, Math.round(ms));
const epochOf = (raw: Buffer | string | number | null | undefined) =>
  Number(raw?.toString() ?? 0) || 0;

/** How an operation reaches Redis: sent at once, or queued on a batch's pipeline. */
interface Sender {
  script<R>(
    script: LuaScript<R>,
    keys: readonly ScriptArg[],
    args: readonly ScriptArg[],
    buffers?: boolean,
  ): Promise<R>;
  command<R>(name: string, args: readonly ScriptArg[], buffers?: boolean): Promise<R>;
}

function direct(client: RedisConnection): Sender {
  return {
    script: (script, keys, args, buffers) => script.run(client, keys, args, { buffers }),
    command: async <R>(name: string, args: readonly ScriptArg[], buffers?: boolean) =>
      (await client[buffers ? 'callBuffer' : 'call'](name, ...args)) as R,
  };
}

interface Queued {
  key: string;
  add: (pipeline: ChainableCommander) => void;
  /** Settles the operation with its reply (a NOSCRIPT reply is sent again with EVAL). */
  settle: (error: Error | null, reply: unknown) => void;
}

/** Queues each operation for `flush`; once flushed, sends at once. */
function queueing(
  client: RedisConnection,
  key: string,
  queue: Queued[],
  flushed: () => boolean,
): Sender {
  const now = direct(client);
  return {
    script: <R>(
      script: LuaScript<R>,
      keys: readonly ScriptArg[],
      args: readonly ScriptArg[],
      buffers?: boolean,
    ) => {
      if (flushed()) return now.script(script, keys, args, buffers);
      return new Promise<R>((resolve, reject) =>
        queue.push({
          key,
          add: (p) => script.queue(p, keys, args, { buffers }),
          settle: (error, reply) => {
            if (!error) resolve(reply as R);
            else if (isNoScript(error))
              now.script(script, keys, args, buffers).then(resolve, reject);
            else reject(error);
          },
        }),
      );
    },
    command: <R>(name: string, args: readonly ScriptArg[], buffers?: boolean) => {
      if (flushed()) return now.command<R>(name, args, buffers);
      return new Promise<R>((resolve, reject) =>
        queue.push({
          key,
          add: (p) => void p[buffers ? 'callBuffer' : 'call'](name, ...args),
          settle: (e, r) => (e ? reject(e) : resolve(r as R)),
        }),
      );
    },
  };
}

export class RedisL2Driver implements L2Driver {
  readonly name = 'redis';
  private readonly send: Sender;

  constructor(
    private readonly client: RedisConnection,
    send?: Sender,
  ) {
    this.send = send ?? direct(client);
  }

  onConnect(listener: () => void): void {
    const client = this.client;
    client.on('ready', listener);
    // A cluster node joined, left or reconnected: it may have restarted or
    // failed over, and hold records older than writes it lost.
    if (isCluster(client))
      for (const event of ['+node', '-node'] as const)
        client.on(event, () => client.status === 'ready' && listener());
    if (client.status === 'ready') listener();
  }

  async serverId(): Promise<string | undefined> {
    return /run_id:(\w+)/.exec(String(await this.send.command('info', ['server'])))?.[1];
  }

  async checkServer(epochKey: string, serverId: string, now: number): Promise<number> {
    return epochOf(
      await this.send.script(
        scripts.checkServer,
        [epochKey, `${epochKey}:server`],
        [serverId, Math.round(now)],
      ),
    );
  }

  async read(
    keys: readonly string[],
    epochKey: string,
  ): Promise<{ values: Array<Buffer | null>; epoch: number }> {
    const values = await this.send.command<Array<Buffer | null>>('mget', [...keys, epochKey], true);
    const epoch = epochOf(values.pop());
    return { values, epoch };
  }

  async ensureEpoch(epochKey: string, now: number): Promise<number> {
    return epochOf(await this.send.script(scripts.ensureEpoch, [epochKey], [Math.round(now)]));
  }

  async advanceEpoch(epochKey: string, now: number): Promise<number> {
    return epochOf(await this.send.script(scripts.advanceEpoch, [epochKey], [Math.round(now)]));
  }

  async raiseEpoch(epochKey: string, target: number): Promise<number> {
    return epochOf(
      await this.send.script(scripts.raiseEpoch, [epochKey], [String(Math.round(target))]),
    );
  }

  async fillEntities(
    epochKey: string,
    fills: readonly EntityFill[],
    expectedEpoch: number,
    lease?: { keys: readonly string[]; token: string },
  ): Promise<{ epoch: number; stored: boolean[] }> {
    const keys = [epochKey, ...fills.map((f) => f.key), ...(lease?.keys ?? [])];
    const args = fills.flatMap((f) => [f.version, f.record, ttl(f.ttlMs)]);
    const out = await this.send.script(scripts.fillEntities, keys, [
      String(expectedEpoch),
      lease?.token ?? '',
      fills.length,
      ...args,
    ]);
    return { epoch: epochOf(out[0]), stored: out.slice(1).map((flag) => flag === 1) };
  }

  async writeEntities(
    epochKey: string,
    writes: readonly EntityWrite[],
    expectedEpoch: number,
    now: number,
    carried?: CarriedMessage,
  ): Promise<{ epoch: number; outcomes: WriteOutcome[] }> {
    const keys = [epochKey, ...writes.map((w) => w.key)];
    const args: ScriptArg[] = writes.flatMap((w) => [
      w.version,
      w.record,
      ttl(w.ttlMs),
      w.fence ? 1 : 0,
    ]);
    // The message is numbered here, as the write is sent.
    if (carried) args.push(carried.channel, carried.text());
    const out = await this.send.script(scripts.writeEntities, keys, [
      String(expectedEpoch),
      Math.round(now),
      ...args,
    ]);
    return {
      epoch: epochOf(out[0]),
      outcomes: out.slice(1).map((flag) => (flag === 1 ? 'value' : flag === 2 ? 'fence' : 'kept')),
    };
  }

  async acquireOrRead(
    epochKey: string,
    pairs: ReadonlyArray<{ key: string; leaseKey: string }>,
    token: string,
    leaseMs: number,
    now: number,
  ): Promise<{ epoch: number; results: Array<Buffer | boolean> }> {
    const keys = [epochKey, ...pairs.flatMap((p) => [p.key, p.leaseKey])];
    const out = await this.send.script(
      scripts.acquireOrRead,
      keys,
      [token, ttl(leaseMs), Math.round(now)],
      true,
    );
    return {
      epoch: epochOf(out[0]),
      results: out.slice(1).map((r) => (Buffer.isBuffer(r) ? r : r === 1)),
    };
  }

  async fillCollections(
    epochKey: string,
    fills: readonly CollectionFill[],
    expectedEpoch: number,
  ): Promise<number> {
    const keys = [epochKey, ...fills.flatMap((f) => [f.versionKey, f.key])];
    const args = fills.flatMap((f) => [String(f.expectedVersion), f.record, ttl(f.ttlMs)]);
    return Number(
      await this.send.script(scripts.fillCollections, keys, [String(expectedEpoch), ...args]),
    );
  }

  async bumpCollections(versionKeys: readonly string[], ttlMs: number): Promise<number[]> {
    return this.send.script(scripts.bumpCollections, versionKeys, [ttl(ttlMs)]);
  }

  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.send.command('set', [key, token, 'PX', ttl(ttlMs), 'NX'])) === 'OK';
  }

  async releaseLeases(keys: readonly string[], token: string): Promise<void> {
    await Promise.all(keys.map((key) => this.send.script(scripts.releaseLease, [key], [token])));
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.send.command('unlink', keys);
  }

  async batch<T>(calls: ReadonlyArray<ShardCall<T>>, onRoundTrip: () => void): Promise<T[]> {
    const queue: Queued[] = [];
    let flushed = false;
    // Each call queues its command(s) synchronously, before its first await.
    const results = Promise.all(
      calls.map((call) =>
        call.run(
          new RedisL2Driver(
            this.client,
            queueing(this.client, call.key, queue, () => flushed),
          ),
        ),
      ),
    );
    // Handled below; a call that fails before the pipelines are back is not an unhandled rejection meanwhile.
    results.catch(() => undefined);
    flushed = true;
    await Promise.all(
      groupByNode(this.client, queue, (q) => q.key).map(async (group) => {
        const pipeline = this.client.pipeline();
        for (const queued of group) queued.add(pipeline);
        onRoundTrip();
        let replies: Array<[Error | null, unknown]>;
        try {
          replies = (await pipeline.exec()) ?? [];
        } catch (error) {
          replies = group.map(() => [
            error instanceof Error ? error : new Error(String(error)),
            null,
          ]);
        }
        group.forEach((queued, i) => {
          const [error, reply] = replies[i] ?? [new Error('no reply from Redis'), null];
          queued.settle(error, reply);
        });
      }),
    );
    return results;
  }

  ownerOf(key: string): string | undefined {
    return nodeOf(this.client, key);
  }

  async serverIds(
    keys: readonly string[],
    onRoundTrip: () => void,
  ): Promise<Array<string | undefined>> {
    const client = this.client;
    if (!isCluster(client)) {
      onRoundTrip();
      const id = await this.serverId();
      return keys.map(() => id);
    }
    const nodes = client.nodes('master');
    const infos = await Promise.all(
      nodes.map((node) => {
        onRoundTrip();
        return node.info('server');
      }),
    );
    const runIds = new Map(
      nodes.map((node, i) => [
        `${node.options.host}:${node.options.port}`,
        /run_id:(\w+)/.exec(infos[i]!)?.[1],
      ]),
    );
    return keys.map((key) => runIds.get(this.ownerOf(key) ?? ''));
  }
}

/** L2 on Redis: the driver on the gate's client, its calls through the gate (breaker, failures logged and counted). */
export function redisL2(gate: RedisGate): { driver: L2Driver; gate: CallGate } {
  return { driver: new RedisL2Driver(gate.client), gate };
}
