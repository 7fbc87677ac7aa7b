/**
 * One load per hot key across instances (docs/design.md promise 6). After a hard
 * miss, a caller reads the keys again and takes a short Redis lease on each
 * key still missing, in one script call (SET NX PX with a random token).
 * It loads the keys it leased and fills them, releasing the leases in the
 * fill script (compare-and-delete); for keys leased elsewhere it polls the
 * same script until the holder's fill appears, the lease is free (the
 * holder failed: take it) or the wait bound passes (load anyway). A loader
 * error releases the lease and is never cached.
 *
 * Within an instance, SingleFlight makes this run once per key at a time.
 */
import { randomUUID } from 'node:crypto';
import type { CacheRuntime } from './cache-runtime.js';

export interface LeaseTiming {
  /** How long a lease lives if its holder never releases it. */
  leaseMs: number;
  /** Pauses between polls while another caller holds a lease; their sum bounds the wait. */
  pollsMs: readonly number[];
}

/** A lease outlives any sane single load; waiters give up at about the same time. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  leaseMs: 2000,
  pollsMs: [5, 10, 20, 40, ...Array<number>(39).fill(50)],
};

export interface LeaseLoad<V> {
  /** The value of a record found in L2 under `key`, or undefined when it cannot be used. */
  decode(record: Buffer, key: string): V | undefined;
  /**
   * Loads `indexes` (into the wanted list) from the database and fills them
   * under `epoch`, releasing `lease` in the same call; undefined epoch: L2
   * is not usable, load without filling it.
   */
  load(
    indexes: number[],
    epoch: number | undefined,
    lease: { keys: string[]; token: string } | undefined,
  ): Promise<V[]>;
  onOutcome?(outcome: 'leased' | 'filled-elsewhere' | 'wait-timeout'): void;
}

/** Resolves every key in `keys` (entity keys) through leases; returns values in order. */
export async function loadWithLeases<V>(
  rt: CacheRuntime,
  keys: readonly string[],
  io: LeaseLoad<V>,
  timing: LeaseTiming = DEFAULT_LEASE_TIMING,
): Promise<V[]> {
  const values = new Array<V>(keys.length);
  const token = randomUUID();
  let remaining = keys.map((_, i) => i);
  let lastEpoch: number | undefined;
  const assign = async (indexes: number[], epoch: number | undefined, leased: boolean) => {
    if (indexes.length === 0) return;
    const lease = leased ? { keys: indexes.map((i) => rt.keys.lease(keys[i]!)), token } : undefined;
    const loaded = await io.load(indexes, epoch, lease);
    indexes.forEach((index, j) => (values[index] = loaded[j]!));
  };

  for (let attempt = 0; remaining.length > 0; attempt++) {
    if (attempt > timing.pollsMs.length) {
      io.onOutcome?.('wait-timeout');
      await assign(remaining, lastEpoch, false);
      break;
    }
    const got = await rt.l2.acquireOrRead(
      remaining.map((i) => ({ key: keys[i]!, leaseKey: rt.keys.lease(keys[i]!) })),
      token,
      timing.leaseMs,
    );
    if (!got) {
      await assign(remaining, undefined, false);
      break;
    }
    lastEpoch = got.epoch;
    const mine: number[] = [];
    const unusable: number[] = [];
    const waiting: number[] = [];
    got.results.forEach((result, j) => {
      const index = remaining[j]!;
      if (result === true) return mine.push(index);
      if (result === false) return waiting.push(index);
      const value = io.decode(result, keys[index]!);
      if (value === undefined) return unusable.push(index);
      values[index] = value;
      io.onOutcome?.('filled-elsewhere');
    });
    mine.forEach(() => io.onOutcome?.('leased'));
    await Promise.all([assign(mine, got.epoch, true), assign(unusable, got.epoch, false)]);
    remaining = waiting;
    if (remaining.length > 0)
      await new Promise((resolve) => setTimeout(resolve, timing.pollsMs[attempt] ?? 0));
  }
  return values;
}
