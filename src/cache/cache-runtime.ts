/**
 * What the entity and collection caches share: the tiers, the keys, the
 * codec, the mode, and the injected clock and randomness.
 */
import type { Metrics } from '../observability/metrics.js';
import { countInto, type RequestStats } from '../observability/request-stats.js';
import type { Codec } from './codec.js';
import type { CacheKeys } from './keys.js';
import type { L1Tier } from './contracts.js';
import type { L2Store } from './l2-store.js';
import type { CacheMode, CachePolicy } from './policy.js';

export interface CacheRuntime {
  mode: CacheMode;
  l1: L1Tier;
  l2: L2Store;
  keys: CacheKeys;
  codec: Codec;
  now: () => number;
  random: () => number;
  metrics?: Metrics;
  /** Reports a problem that callers survive (background refresh failed, ...). */
  warn: (message: string, error?: unknown) => void;
}

/** Whether values of this policy go through L1. */
export function usesL1(runtime: CacheRuntime, policy: CachePolicy): boolean {
  return runtime.mode === 'l1+l2' && !policy.strict;
}

/** Whether L2 is in play at all. */
export function usesL2(runtime: CacheRuntime): boolean {
  return runtime.mode !== 'off';
}

/** Counts hits and misses of one tier, for the request (when there is one) and in the metrics. */
export function countTiers(
  runtime: CacheRuntime,
  tier: 'l1' | 'l2',
  policy: CachePolicy,
  hits: number,
  misses: number,
  stats: RequestStats | undefined,
): void {
  countInto(stats, tier === 'l1' ? 'l1Hits' : 'l2Hits', hits);
  countInto(stats, tier === 'l1' ? 'l1Misses' : 'l2Misses', misses);
  runtime.metrics?.cacheLookups.add('hit', tier, policy.type, hits);
  runtime.metrics?.cacheLookups.add('miss', tier, policy.type, misses);
}
