/**
 * Prometheus metrics. The composition root creates one `Metrics` per process
 * on its own registry (no global default registry) and passes it down.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CacheTier = 'l1' | 'l2';

export interface Metrics {
  readonly registry: Registry;
  readonly dbStatements: Counter;
  readonly cacheHits: Counter<'tier' | 'type'>;
  readonly cacheMisses: Counter<'tier' | 'type'>;
  readonly cacheStaleServed: Counter<'type'>;
  readonly cacheDecodeErrors: Counter;
  readonly cacheFailSafeServed: Counter<'type'>;
  readonly cacheLeases: Counter<'outcome'>;
  readonly cacheEpochAdvances: Counter;
  readonly cacheChangesMissed: Counter<'reason'>;
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
  return {
    registry,
    dbStatements: new Counter({ name: 'db_statements_total', help: 'SQL statements sent to the database', registers }),
    cacheHits: new Counter({ name: 'cache_hits_total', help: 'Cache hits by tier and type', labelNames: ['tier', 'type'], registers }),
    cacheMisses: new Counter({ name: 'cache_misses_total', help: 'Cache misses by tier and type', labelNames: ['tier', 'type'], registers }),
    cacheStaleServed: new Counter({ name: 'cache_stale_served_total', help: 'Stale values served within the grace period', labelNames: ['type'], registers }),
    cacheDecodeErrors: new Counter({ name: 'cache_decode_errors_total', help: 'L2 values that failed to decode (treated as misses)', registers }),
    cacheFailSafeServed: new Counter({
      name: 'cache_fail_safe_served_total',
      help: 'Values served past their expiry (within maxStale) because the database failed',
      labelNames: ['type'],
      registers,
    }),
    cacheLeases: new Counter({
      name: 'cache_lease_outcomes_total',
      help: 'Hard misses by lease outcome: leased (this caller loads), filled-elsewhere, wait-timeout',
      labelNames: ['outcome'],
      registers,
    }),
    cacheEpochAdvances: new Counter({ name: 'cache_l2_epoch_advances_total', help: 'L2 epoch advances after changes L2 missed', registers }),
    cacheChangesMissed: new Counter({
      name: 'cache_l2_changes_missed_total',
      help: 'Changes L2 may lack (write failed or skipped, reconnect, change-feed reconnect); each makes L2 untrusted until the epoch advances',
      labelNames: ['reason'],
      registers,
    }),
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
