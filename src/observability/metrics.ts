/**
 * Prometheus metrics. The composition root creates one `Metrics` per process
 * on its own registry (no global default registry) and passes it down.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CacheTier = 'l1' | 'l2';

/**
 * Cache hits and misses counted as plain numbers on the hot path (a labelled
 * prom-client `inc` costs more than the L1 lookup it counts) and copied into
 * the Prometheus counters when they are scraped.
 */
export class LookupTally {
  /** Per type: [l1 hits, l2 hits, l1 misses, l2 misses]. */
  private readonly byType = new Map<string, number[]>();

  add(result: 'hit' | 'miss', tier: CacheTier, type: string, n: number): void {
    if (n === 0) return;
    let counts = this.byType.get(type);
    if (!counts) this.byType.set(type, (counts = [0, 0, 0, 0]));
    counts[(result === 'hit' ? 0 : 2) + (tier === 'l1' ? 0 : 1)]! += n;
  }

  /** Totals so far, one row per (tier, type). */
  rows(result: 'hit' | 'miss'): Array<{ tier: CacheTier; type: string; value: number }> {
    const base = result === 'hit' ? 0 : 2;
    return [...this.byType].flatMap(([type, counts]) => [
      { tier: 'l1' as const, type, value: counts[base]! },
      { tier: 'l2' as const, type, value: counts[base + 1]! },
    ]);
  }
}

export interface Metrics {
  readonly registry: Registry;
  readonly dbStatements: Counter;
  /** Hits and misses per tier and type; exported as cache_hits_total and cache_misses_total. */
  readonly cacheLookups: LookupTally;
  readonly cacheStaleServed: Counter<'type'>;
  readonly cacheDecodeErrors: Counter;
  readonly redisRoundTrips: Counter;
  readonly redisBreakerState: Gauge;
  readonly invalidationsPublished: Counter;
  readonly invalidationsReceived: Counter;
  readonly invalidationDelay: Histogram;
  readonly l1Flushes: Counter<'reason'>;
  readonly rateLimitFallbacks: Counter<'field' | 'mode'>;
  readonly httpRequests: Counter<'status'>;
  readonly httpDuration: Histogram;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const cacheLookups = new LookupTally();
  const lookupCounter = (result: 'hit' | 'miss', name: string, help: string) =>
    new Counter({
      name,
      help,
      labelNames: ['tier', 'type'],
      registers,
      collect() {
        this.reset();
        for (const { tier, type, value } of cacheLookups.rows(result)) this.inc({ tier, type }, value);
      },
    });
  lookupCounter('hit', 'cache_hits_total', 'Cache hits by tier and type');
  lookupCounter('miss', 'cache_misses_total', 'Cache misses by tier and type');
  return {
    registry,
    cacheLookups,
    dbStatements: new Counter({ name: 'db_statements_total', help: 'SQL statements sent to the database', registers }),
    cacheStaleServed: new Counter({ name: 'cache_stale_served_total', help: 'Stale values served within the grace period', labelNames: ['type'], registers }),
    cacheDecodeErrors: new Counter({ name: 'cache_decode_errors_total', help: 'L2 values that failed to decode (treated as misses)', registers }),
    redisRoundTrips: new Counter({ name: 'redis_round_trips_total', help: 'Redis round trips made by the cache', registers }),
    redisBreakerState: new Gauge({ name: 'redis_breaker_open', help: '1 while the Redis circuit breaker is open', registers }),
    invalidationsPublished: new Counter({ name: 'cache_invalidations_published_total', help: 'Invalidation messages published', registers }),
    invalidationsReceived: new Counter({ name: 'cache_invalidations_received_total', help: 'Invalidation messages received from other instances', registers }),
    invalidationDelay: new Histogram({
      name: 'cache_invalidation_delay_seconds',
      help: 'From publishing an invalidation to applying it on another instance',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    l1Flushes: new Counter({ name: 'cache_l1_flushes_total', help: 'Whole-L1 flushes', labelNames: ['reason'], registers }),
    rateLimitFallbacks: new Counter({
      name: 'rate_limit_fallbacks_total',
      help: 'Rate-limit checks decided without Redis, by field and fallback mode',
      labelNames: ['field', 'mode'],
      registers,
    }),
    httpRequests: new Counter({ name: 'http_requests_total', help: 'HTTP requests by status', labelNames: ['status'], registers }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

/** What the response store reports; see src/cache/response-store.ts. */
export interface ResponseStoreReport {
  readonly counts: { hits: number; misses: number; invalidations: number; stores: number };
  readonly entries: number;
  readonly bytes: number;
}

/** Exports the response store's counters and size, read at scrape time. */
export function observeResponseStore(metrics: Metrics, store: ResponseStoreReport | undefined): void {
  if (!store) return;
  const registers = [metrics.registry];
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('response_reuse_hits_total', 'Responses served again without executing', () => store.counts.hits);
  counter('response_reuse_misses_total', 'Reusable requests that found no current response', () => store.counts.misses);
  counter('response_reuse_invalidations_total', 'Kept responses dropped because something they read changed', () => store.counts.invalidations);
  counter('response_reuse_stores_total', 'Responses kept for reuse', () => store.counts.stores);
  new Gauge({ name: 'response_reuse_entries', help: 'Responses kept for reuse', registers, collect() { this.set(store.entries); } });
  new Gauge({ name: 'response_reuse_bytes', help: 'Approximate bytes held by kept responses', registers, collect() { this.set(store.bytes); } });
}
