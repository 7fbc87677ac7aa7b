/**
 * Per-request counters: SQL statements, cache hits and misses per tier, Redis
 * round trips, and what response reuse did. Tests and the benchmark read them
 * from `extensions.stats`.
 *
 * The counters travel explicitly (in the GraphQL context and the per-request
 * loaders), never in AsyncLocalStorage: on Node 20 a single AsyncLocalStorage
 * turns on promise hooks for every promise in the process, which cost a fifth
 * of a warm request's CPU.
 */

/** What response reuse did for a request. */
export type ResponseReuse = 'hit' | 'miss' | 'stored' | 'off';

export interface RequestStats {
  sqlStatements: number;
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  redisRoundTrips: number;
  /** Values served past their expiry because the database failed (the fail-safe). */
  staleServed: number;
  responseReuse: ResponseReuse;
}

export type CountedStat = Exclude<keyof RequestStats, 'responseReuse'>;

export function newRequestStats(): RequestStats {
  return {
    sqlStatements: 0,
    l1Hits: 0,
    l1Misses: 0,
    l2Hits: 0,
    l2Misses: 0,
    redisRoundTrips: 0,
    staleServed: 0,
    responseReuse: 'off',
  };
}

/** Adds `n` to one counter of `stats`; background work passes no stats and counts nowhere. */
export function countInto(stats: RequestStats | undefined, name: CountedStat, n = 1): void {
  if (stats) stats[name] += n;
}
