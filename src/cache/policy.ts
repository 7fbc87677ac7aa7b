/**
 * Cache policy per GraphQL type, read from `@cacheable` when the schema is
 * built (src/graphql/cache-policy.ts), and the time helpers that apply it.
 */

export interface CachePolicy {
  /** The type's name, used in metrics. */
  type: string;
  /** L2 lifetime before the value turns stale. */
  ttlMs: number;
  /** L1 lifetime; bounds cross-instance lag when an invalidation is lost. */
  l1TtlMs: number;
  /** How long after `ttlMs` a stale value may still be served while one caller refreshes it. */
  graceMs: number;
  /**
   * How long after `ttlMs` a value may still be served when the database
   * fails (errors or times out); 0 turns this fail-safe off.
   */
  maxStaleMs: number;
  /** Lifetime of a cached "not found". */
  negativeTtlMs: number;
  /** Strict types skip L1, so other instances never serve an older version. */
  strict: boolean;
}

/** Spreads expiries by ±10% so entries filled together do not expire together. */
export function jitter(ms: number, random: () => number): number {
  return Math.max(1, Math.round(ms * (0.9 + 0.2 * random())));
}

/** Cache modes: 'off' is DataLoader only; 'l2' skips the in-process tier. */
export type CacheMode = 'l1+l2' | 'l2' | 'off';
