/**
 * Per-request counters: SQL statements, cache hits and misses per tier, Redis
 * round trips. Tests and the benchmark read them from `extensions.stats`.
 *
 * The current request's stats travel in AsyncLocalStorage, so the database
 * adapter and the cache can count without every call site passing them down.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestStats {
  sqlStatements: number;
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  redisRoundTrips: number;
  /** Values served past their expiry because the database failed (the fail-safe). */
  staleServed: number;
}

export function newRequestStats(): RequestStats {
  return { sqlStatements: 0, l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, redisRoundTrips: 0, staleServed: 0 };
}

const storage = new AsyncLocalStorage<RequestStats>();

/** Runs `fn` with `stats` as the current request's counters. */
export function runWithStats<T>(stats: RequestStats, fn: () => T): T {
  return storage.run(stats, fn);
}


/** Adds `n` to one counter of the current request, if there is one. */
export function countStat(name: keyof RequestStats, n = 1): void {
  const stats = storage.getStore();
  if (stats) stats[name] += n;
}

/** Runs `fn` outside any request, so background work is not counted against one. */
export function runDetached<T>(fn: () => T): T {
  return storage.exit(fn);
}
