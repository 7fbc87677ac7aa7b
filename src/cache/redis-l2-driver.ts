/**
 * The Redis L2 driver: each operation of the L2Driver contract is one MGET,
 * one SET or one Lua script (l2-scripts.ts), run through the application's
 * one Lua runner (src/redis/lua-script.ts: EVALSHA, EVAL on NOSCRIPT, the
 * shared client left unmodified). Errors are thrown; the L2 tier calls these
 * through the Redis gate (breaker, logged once per outage, counted).
 */
import type { Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';
import type { RedisGate } from '../redis/redis-client.js';
import type { CallGate, CollectionFill, EntityFill, EntityWrite, L2Driver, WriteOutcome } from './contracts.js';
import {
  ACQUIRE_OR_READ, ADVANCE_EPOCH, BUMP_COLLECTIONS, CHECK_SERVER, ENSURE_EPOCH, FILL_COLLECTIONS, FILL_ENTITIES, RELEASE_LEASE, WRITE_ENTITIES,
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
};

const ttl = (ms: number) => Math.max(1, Math.round(ms));
const epochOf = (raw: Buffer | string | number | null | undefined) => Number(raw?.toString() ?? 0) || 0;

export class RedisL2Driver implements L2Driver {
  readonly name = 'redis';

  constructor(private readonly client: Redis) {}

  onConnect(listener: () => void): void {
    this.client.on('ready', listener);
    if (this.client.status === 'ready') listener();
  }

  async serverId(): Promise<string | undefined> {
    return /run_id:(\w+)/.exec(await this.client.info('server'))?.[1];
  }

  async checkServer(epochKey: string, serverId: string, now: number): Promise<number> {
    return epochOf(await scripts.checkServer.run(this.client, [epochKey, `${epochKey}:server`], [serverId, Math.round(now)]));
  }

  async read(keys: readonly string[], epochKey: string): Promise<{ values: Array<Buffer | null>; epoch: number }> {
    const values = await this.client.mgetBuffer(...keys, epochKey);
    const epoch = epochOf(values.pop());
    return { values, epoch };
  }

  async ensureEpoch(epochKey: string, now: number): Promise<number> {
    return epochOf(await scripts.ensureEpoch.run(this.client, [epochKey], [Math.round(now)]));
  }

  async advanceEpoch(epochKey: string, now: number): Promise<number> {
    return epochOf(await scripts.advanceEpoch.run(this.client, [epochKey], [Math.round(now)]));
  }

  async fillEntities(
    epochKey: string,
    fills: readonly EntityFill[],
    expectedEpoch: number,
    lease?: { keys: readonly string[]; token: string },
  ): Promise<{ epoch: number; stored: boolean[] }> {
    const keys = [epochKey, ...fills.map((f) => f.key), ...(lease?.keys ?? [])];
    const args = fills.flatMap((f) => [f.version, f.record, ttl(f.ttlMs)]);
    const out = await scripts.fillEntities.run(this.client, keys, [String(expectedEpoch), lease?.token ?? '', fills.length, ...args]);
    return { epoch: epochOf(out[0]), stored: out.slice(1).map((flag) => flag === 1) };
  }

  async writeEntities(epochKey: string, writes: readonly EntityWrite[], expectedEpoch: number, now: number): Promise<{ epoch: number; outcomes: WriteOutcome[] }> {
    const keys = [epochKey, ...writes.map((w) => w.key)];
    const args = writes.flatMap((w) => [w.version, w.record, ttl(w.ttlMs), w.fence ? 1 : 0]);
    const out = await scripts.writeEntities.run(this.client, keys, [String(expectedEpoch), Math.round(now), ...args]);
    return { epoch: epochOf(out[0]), outcomes: out.slice(1).map((flag) => (flag === 1 ? 'value' : flag === 2 ? 'fence' : 'kept')) };
  }

  async acquireOrRead(
    epochKey: string,
    pairs: ReadonlyArray<{ key: string; leaseKey: string }>,
    token: string,
    leaseMs: number,
    now: number,
  ): Promise<{ epoch: number; results: Array<Buffer | boolean> }> {
    const keys = [epochKey, ...pairs.flatMap((p) => [p.key, p.leaseKey])];
    const out = await scripts.acquireOrRead.run(this.client, keys, [token, ttl(leaseMs), Math.round(now)], { buffers: true });
    return { epoch: epochOf(out[0]), results: out.slice(1).map((r) => (Buffer.isBuffer(r) ? r : r === 1)) };
  }

  async fillCollections(epochKey: string, fills: readonly CollectionFill[], expectedEpoch: number): Promise<number> {
    const keys = [epochKey, ...fills.flatMap((f) => [f.versionKey, f.key])];
    const args = fills.flatMap((f) => [String(f.expectedVersion), f.record, ttl(f.ttlMs)]);
    return scripts.fillCollections.run(this.client, keys, [String(expectedEpoch), ...args]);
  }

  async bumpCollections(versionKeys: readonly string[], ttlMs: number): Promise<number[]> {
    return scripts.bumpCollections.run(this.client, versionKeys, [ttl(ttlMs)]);
  }

  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key, token, 'PX', ttl(ttlMs), 'NX')) === 'OK';
  }

  async releaseLeases(keys: readonly string[], token: string): Promise<void> {
    await Promise.all(keys.map((key) => scripts.releaseLease.run(this.client, [key], [token])));
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.client.unlink(...keys);
  }
}

/** L2 on Redis: the driver on the gate's client, its calls through the gate (breaker, failures logged and counted). */
export function redisL2(gate: RedisGate): { driver: L2Driver; gate: CallGate } {
  return { driver: new RedisL2Driver(gate.client), gate };
}
