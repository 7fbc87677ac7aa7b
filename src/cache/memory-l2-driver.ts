/**
 * An in-memory L2 driver: the L2Driver contract over a Map, with an injected
 * clock for TTLs. It applies the same version rule (version-rule.ts) and
 * epoch guards as the Redis scripts and passes the same contract suite
 * (test/contract/l2-driver-suite.ts), so the cache's logic can be tested
 * with no services at all. Several caches given one driver share it, as
 * instances share Redis. Not for production: nothing leaves the process.
 */
import type {
  CallGate,
  Clock,
  CollectionFill,
  EntityFill,
  EntityWrite,
  L2Driver,
  ShardCall,
  WriteOutcome,
} from './contracts.js';
import { decodeRecord } from './l2-record.js';
import { acceptsCollectionFill, acceptsFence, acceptsFill, bumpedVersion } from './version-rule.js';

interface Slot {
  value: Buffer;
  /** Clock time it expires at; undefined: never. */
  expiresAt: number | undefined;
}

export interface MemoryL2DriverOptions {
  now?: Clock;
  /** The server's identity (see L2Driver.serverId); `restart()` changes it. */
  serverId?: string;
  /**
   * Simulated servers (default 1): a key's `{hash tag}` picks one, so a
   * sharded batch counts one round trip per simulated server it touches.
   */
  nodes?: number;
}

export class MemoryL2Driver implements L2Driver {
  readonly name = 'memory';
  private readonly slots = new Map<string, Slot>();
  private readonly now: Clock;
  private server: string;
  private lives = 0;
  private readonly listeners: Array<() => void> = [];

  constructor(options: MemoryL2DriverOptions = {}) {
    this.now = options.now ?? Date.now;
    this.server = options.serverId ?? 'memory-1';
    this.nodes = options.nodes ?? 1;
  }

  private readonly nodes: number;

  /** Simulates a restart that lost everything: a new server id, no data; connection listeners run again. */
  restart(): void {
    this.slots.clear();
    this.server = `memory-${++this.lives + 1}`;
    for (const listener of this.listeners) listener();
  }

  onConnect(listener: () => void): void {
    this.listeners.push(listener);
    listener();
  }

  async serverId(): Promise<string | undefined> {
    return this.server;
  }

  async checkServer(epochKey: string, serverId: string, now: number): Promise<number> {
    const serverKey = `${epochKey}:server`;
    if (this.text(serverKey) !== serverId) {
      this.put(epochKey, String(Math.max(this.epoch(epochKey) + 1, Math.round(now))));
      this.put(serverKey, serverId);
    }
    return this.epoch(epochKey);
  }

  async read(
    keys: readonly string[],
    epochKey: string,
  ): Promise<{ values: Array<Buffer | null>; epoch: number }> {
    return { values: keys.map((k) => this.get(k)), epoch: this.epoch(epochKey) };
  }

  async ensureEpoch(epochKey: string, now: number): Promise<number> {
    if (this.get(epochKey) === null) this.put(epochKey, String(Math.round(now)));
    return this.epoch(epochKey);
  }

  async advanceEpoch(epochKey: string, now: number): Promise<number> {
    this.put(epochKey, String(Math.max(this.epoch(epochKey) + 1, Math.round(now))));
    return this.epoch(epochKey);
  }

  async fillEntities(
    epochKey: string,
    fills: readonly EntityFill[],
    expectedEpoch: number,
    lease?: { keys: readonly string[]; token: string },
  ): Promise<{ epoch: number; stored: boolean[] }> {
    const epochText = this.text(epochKey);
    const stored = fills.map((f) => {
      if (epochText === undefined || epochText !== String(expectedEpoch)) return false;
      if (!acceptsFill(this.versionAt(f.key), f.version)) return false;
      this.put(f.key, f.record, f.ttlMs);
      return true;
    });
    for (const key of lease?.keys ?? [])
      if (this.text(key) === lease!.token) this.slots.delete(key);
    return { epoch: this.epoch(epochKey), stored };
  }

  async writeEntities(
    epochKey: string,
    writes: readonly EntityWrite[],
    expectedEpoch: number,
    now: number,
  ): Promise<{ epoch: number; outcomes: WriteOutcome[] }> {
    const epochText = this.text(epochKey);
    const outcomes = writes.map((w): WriteOutcome => {
      if (epochText === undefined) return 'kept';
      const fence = w.fence || epochText !== String(expectedEpoch);
      const record = fence
        ? Buffer.from(`${w.version}|${Math.round(now)}|${epochText}|x`, 'latin1')
        : w.record;
      const current = this.versionAt(w.key);
      if (!(fence ? acceptsFence(current, w.version) : acceptsFill(current, w.version)))
        return 'kept';
      this.put(w.key, record, w.ttlMs);
      return fence ? 'fence' : 'value';
    });
    return { epoch: epochText === undefined ? 0 : Number(epochText) || 0, outcomes };
  }

  async acquireOrRead(
    epochKey: string,
    pairs: ReadonlyArray<{ key: string; leaseKey: string }>,
    token: string,
    leaseMs: number,
    now: number,
  ): Promise<{ epoch: number; results: Array<Buffer | boolean> }> {
    const epochText = this.text(epochKey);
    const results = pairs.map(({ key, leaseKey }): Buffer | boolean => {
      const raw = this.get(key);
      const record = raw && decodeRecord(raw);
      if (
        epochText !== undefined &&
        record &&
        String(record.epoch) === epochText &&
        record.kind !== 'invalidated' &&
        record.softExpiresAt > now
      ) {
        return raw!;
      }
      if (this.get(leaseKey) !== null) return false;
      this.put(leaseKey, token, leaseMs);
      return true;
    });
    return { epoch: this.epoch(epochKey), results };
  }

  async fillCollections(
    epochKey: string,
    fills: readonly CollectionFill[],
    expectedEpoch: number,
  ): Promise<number> {
    if (this.text(epochKey) !== String(expectedEpoch)) return 0;
    let stored = 0;
    for (const f of fills) {
      const current = this.text(f.versionKey);
      if (
        !acceptsCollectionFill(
          current === undefined ? undefined : Number(current),
          f.expectedVersion,
        )
      )
        continue;
      this.put(f.key, f.record, f.ttlMs);
      stored++;
    }
    return stored;
  }

  async bumpCollections(versionKeys: readonly string[], ttlMs: number): Promise<number[]> {
    return versionKeys.map((key) => {
      const current = this.text(key);
      const next = bumpedVersion(current === undefined ? undefined : Number(current));
      this.put(key, String(next), ttlMs);
      return next;
    });
  }

  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    if (this.get(key) !== null) return false;
    this.put(key, token, ttlMs);
    return true;
  }

  async releaseLeases(keys: readonly string[], token: string): Promise<void> {
    for (const key of keys) if (this.text(key) === token) this.slots.delete(key);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.slots.delete(key);
  }

  async raiseEpoch(epochKey: string, target: number): Promise<number> {
    if (this.epoch(epochKey) < target) this.put(epochKey, String(Math.round(target)));
    return this.epoch(epochKey);
  }

  async batch<T>(calls: ReadonlyArray<ShardCall<T>>, onRoundTrip: () => void): Promise<T[]> {
    const servers = new Set(calls.map((call) => this.ownerOf(call.key) ?? ''));
    for (let i = 0; i < servers.size; i++) onRoundTrip();
    return Promise.all(calls.map((call) => call.run(this)));
  }

  ownerOf(key: string): string | undefined {
    if (this.nodes <= 1) return undefined;
    const tag = /\{([^}]+)\}/.exec(key)?.[1] ?? key;
    let hash = 0;
    for (let i = 0; i < tag.length; i++) hash = (hash * 31 + tag.charCodeAt(i)) >>> 0;
    return `memory-node-${hash % this.nodes}`;
  }

  async serverIds(
    keys: readonly string[],
    onRoundTrip: () => void,
  ): Promise<Array<string | undefined>> {
    const owners = keys.map((key) => this.ownerOf(key));
    for (let i = 0; i < new Set(owners).size; i++) onRoundTrip();
    return owners.map(() => this.server);
  }

  private get(key: string): Buffer | null {
    const slot = this.slots.get(key);
    if (!slot) return null;
    if (slot.expiresAt !== undefined && slot.expiresAt <= this.now()) {
      this.slots.delete(key);
      return null;
    }
    return slot.value;
  }

  private text(key: string): string | undefined {
    return this.get(key)?.toString('latin1');
  }

  private epoch(epochKey: string): number {
    return Number(this.text(epochKey) ?? 0) || 0;
  }

  /** The version of the record under `key`, or undefined (absent or malformed: the Lua `parse` returns nil too). */
  private versionAt(key: string): number | undefined {
    const raw = this.get(key);
    return (raw && decodeRecord(raw)?.version) ?? undefined;
  }

  private put(key: string, value: Buffer | string, ttlMs?: number): void {
    const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1');
    this.slots.set(key, {
      value: buffer,
      expiresAt: ttlMs === undefined ? undefined : this.now() + Math.max(1, Math.round(ttlMs)),
    });
  }
}

/**
 * A gate that lets every call through and turns a rejected call into
 * undefined (the CallGate contract), reporting it to `onFailure`.
 */
export function openGate(onFailure?: (error: unknown) => void): CallGate {
  return {
    available: true,
    run: async (call, onRoundTrip) => {
      onRoundTrip?.();
      try {
        return await call();
      } catch (error) {
        onFailure?.(error);
        return undefined;
      }
    },
  };
}

/** L2 in memory: a fresh driver (or a shared one, for several instances) behind an open gate. */
export function memoryL2(driver: MemoryL2Driver = new MemoryL2Driver()): {
  driver: MemoryL2Driver;
  gate: CallGate;
} {
  return { driver, gate: openGate() };
}
