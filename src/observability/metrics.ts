/**
 * Prometheus metrics. The composition root creates one `Metrics` per process
 * on its own registry (no global default registry) and passes it down.
 *
 * Every name starts with a configurable prefix (default `catalog_`). Labels
 * are bounded: routes are a fixed list, operation names come from a bounded
 * set (see operation-labels.ts), error codes are the API's own. Gauges of
 * live state (Redis, breaker, L1, pool) are read at scrape time from the
 * sources the composition root hands to `observe`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics.js';

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

/** Live state read at scrape time. */
export interface MetricSources {
  redisUp(): boolean;
  /** True while the cache skips Redis: breaker open, or no connection to try. */
  redisBreakerOpen(): boolean;
  l1(): { entries: number; bytes: number };
  /** Pool connections, or null when there is no pool (embedded PGlite). */
  dbPool(): { total: number; idle: number; waiting: number; max: number } | null;
}

export interface Metrics {
  readonly registry: Registry;
  /** The name prefix of every metric. */
  readonly prefix: string;
  readonly dbStatements: Counter;
  /** Model reads by destination when read replicas are configured. */
  readonly dbReads: Counter<'to'>;
  /** Hits and misses per tier and type; exported as cache_hits_total and cache_misses_total. */
  readonly cacheLookups: LookupTally;
  readonly cacheStaleServed: Counter<'type'>;
  readonly cacheFailSafeServed: Counter<'type'>;
  readonly cacheLeases: Counter<'outcome'>;
  readonly cacheEpochAdvances: Counter;
  readonly cacheChangesMissed: Counter<'reason'>;
  readonly cacheDecodeErrors: Counter;
  readonly redisRoundTrips: Counter;
  readonly redisFailures: Counter;
  readonly invalidationsPublished: Counter;
  readonly cacheFeedEchoes: Counter;
  readonly invalidationsReceived: Counter;
  readonly invalidationDelay: Histogram;
  readonly l1Flushes: Counter<'reason'>;
  readonly rateLimitFallbacks: Counter<'field' | 'mode'>;
  readonly rateLimitRefusals: Counter<'field'>;
  /** Updated by every request: hot-metrics.ts (prom-client's format, a cheaper update). */
  readonly httpRequests: HotCounter<'method' | 'route' | 'status'>;
  readonly httpDuration: HotHistogram<'method' | 'route'>;
  readonly graphqlOperations: HotCounter<'operation' | 'type'>;
  readonly graphqlCompilations: Counter<'outcome'>;
  readonly graphqlLeanPath: Counter<'outcome'>;
  readonly logLinesDropped: Counter;
  readonly graphqlDuration: HotHistogram<'operation' | 'type'>;
  readonly graphqlErrors: Counter<'operation' | 'code'>;
  /** Connects the scrape-time gauges to live state; until then they read 0. */
  observe(sources: MetricSources): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(
  options: { defaultMetrics?: boolean; prefix?: string } = {},
): Metrics {
  const prefix = options.prefix ?? '';
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  let sources: MetricSources | undefined;
  const name = (n: string) => `${prefix}${n}`;
  const gauge = (
    n: string,
    help: string,
    read: (s: MetricSources, g: Gauge<string>) => void,
    labelNames: string[] = [],
  ) =>
    new Gauge({
      name: name(n),
      help,
      labelNames,
      registers,
      collect() {
        if (sources) read(sources, this);
      },
    });

  gauge('redis_up', '1 while the connection to Redis is ready', (s, g) =>
    g.set(s.redisUp() ? 1 : 0),
  );
  gauge(
    'redis_breaker_open',
    '1 while the cache skips Redis (circuit breaker open, or Redis disconnected)',
    (s, g) => g.set(s.redisBreakerOpen() ? 1 : 0),
  );
  gauge('cache_l1_entries', 'Entries in the in-process L1 cache', (s, g) => g.set(s.l1().entries));
  gauge('cache_l1_bytes', 'Approximate bytes held by the in-process L1 cache', (s, g) =>
    g.set(s.l1().bytes),
  );
  gauge(
    'db_pool_connections',
    'PostgreSQL pool connections by state (in_use, idle, waiting clients, max)',
    (s, g) => {
      const pool = s.dbPool();
      if (!pool) return;
      g.set({ state: 'in_use' }, pool.total - pool.idle);
      g.set({ state: 'idle' }, pool.idle);
      g.set({ state: 'waiting' }, pool.waiting);
      g.set({ state: 'max' }, pool.max);
    },
    ['state'],
  );

  const cacheLookups = new LookupTally();
  const lookupCounter = (result: 'hit' | 'miss', n: string, help: string) =>
    new Counter({
      name: name(n),
      help,
      labelNames: ['tier', 'type'],
      registers,
      collect() {
        this.reset();
        for (const { tier, type, value } of cacheLookups.rows(result))
          this.inc({ tier, type }, value);
      },
    });
  lookupCounter('hit', 'cache_hits_total', 'Cache hits by tier and type');
  lookupCounter('miss', 'cache_misses_total', 'Cache misses by tier and type');

  return {
    registry,
    prefix,
    observe: (s) => void (sources = s),
    dbStatements: new Counter({
      name: name('db_statements_total'),
      help: 'SQL statements sent to the database',
      registers,
    }),
    dbReads: new Counter({
      name: name('db_reads_total'),
      help: 'Model reads by destination (replica or primary), with read replicas configured',
      labelNames: ['to'],
      registers,
    }),
    cacheLookups,
    cacheStaleServed: new Counter({
      name: name('cache_stale_served_total'),
      help: 'Stale values served within the grace period',
      labelNames: ['type'],
      registers,
    }),
    cacheFailSafeServed: new Counter({
      name: name('cache_fail_safe_served_total'),
      help: 'Values served past their expiry (within maxStale) because the database failed',
      labelNames: ['type'],
      registers,
    }),
    cacheLeases: new Counter({
      name: name('cache_lease_outcomes_total'),
      help: 'Hard misses by lease outcome: leased (this caller loads), filled-elsewhere, wait-timeout',
      labelNames: ['outcome'],
      registers,
    }),
    cacheEpochAdvances: new Counter({
      name: name('cache_l2_epoch_advances_total'),
      help: 'L2 epoch advances after changes L2 missed',
      registers,
    }),
    cacheChangesMissed: new Counter({
      name: name('cache_l2_changes_missed_total'),
      help: 'Changes L2 may lack (write failed or skipped, reconnect, change-feed reconnect); each makes L2 untrusted until the epoch advances',
      labelNames: ['reason'],
      registers,
    }),
    cacheDecodeErrors: new Counter({
      name: name('cache_decode_errors_total'),
      help: 'L2 values that failed to decode (treated as misses)',
      registers,
    }),
    redisRoundTrips: new Counter({
      name: name('redis_round_trips_total'),
      help: 'Redis round trips made by the cache',
      registers,
    }),
    redisFailures: new Counter({
      name: name('redis_command_failures_total'),
      help: 'Redis calls that failed or timed out (the caller fell back); the first of each outage is logged',
      registers,
    }),
    invalidationsPublished: new Counter({
      name: name('cache_invalidations_published_total'),
      help: 'Invalidation messages published',
      registers,
    }),
    cacheFeedEchoes: new Counter({
      name: name('cache_feed_echoes_total'),
      help: "Change-feed notifications of this instance's own writes, whose fence and bumps the write had already done",
      registers,
    }),
    invalidationsReceived: new Counter({
      name: name('cache_invalidations_received_total'),
      help: 'Invalidation messages received from other instances',
      registers,
    }),
    invalidationDelay: new Histogram({
      name: name('cache_invalidation_delay_seconds'),
      help: 'From publishing an invalidation to applying it on another instance',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    l1Flushes: new Counter({
      name: name('cache_l1_flushes_total'),
      help: 'Whole-L1 flushes',
      labelNames: ['reason'],
      registers,
    }),
    rateLimitFallbacks: new Counter({
      name: name('rate_limit_fallbacks_total'),
      help: 'Rate-limit checks decided without Redis, by field and fallback mode',
      labelNames: ['field', 'mode'],
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: name('rate_limit_refusals_total'),
      help: 'Calls refused by @rateLimit, by field',
      labelNames: ['field'],
      registers,
    }),
    httpRequests: new HotCounter({
      name: name('http_requests_total'),
      help: 'HTTP requests by method, route and status (not counting /metrics)',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new HotHistogram({
      name: name('http_request_duration_seconds'),
      help: 'HTTP request duration by method and route (not counting /metrics)',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    graphqlOperations: new HotCounter({
      name: name('graphql_operations_total'),
      help: 'GraphQL operations by operation name (bounded; otherwise "other") and type',
      labelNames: ['operation', 'type'],
      registers,
    }),
    graphqlCompilations: new Counter({
      name: name('graphql_jit_compilations_total'),
      help: 'Operations compiled by graphql-jit (outcome "compiled"), or refused by it and left to graphql-js ("refused")',
      labelNames: ['outcome'],
      registers,
    }),
    graphqlLeanPath: new Counter({
      name: name('graphql_lean_path_total'),
      help: 'Operations executed without Apollo Server\'s request pipeline (their text was accepted before): answered ("answered"), or handed to Apollo to answer their errors ("errors")',
      labelNames: ['outcome'],
      registers,
    }),
    logLinesDropped: new Counter({
      name: name('log_lines_dropped_total'),
      help: 'Log lines dropped because stdout did not keep up (16 MiB waiting) or failed',
      registers,
    }),
    graphqlDuration: new HotHistogram({
      name: name('graphql_operation_duration_seconds'),
      help: 'GraphQL operation duration, from request to response, by operation name and type',
      labelNames: ['operation', 'type'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    graphqlErrors: new Counter({
      name: name('graphql_errors_total'),
      help: 'GraphQL errors sent to clients, by operation name and error code',
      labelNames: ['operation', 'code'],
      registers,
    }),
  };
}

/**
 * Counts one GraphQL operation and its duration since `started`
 * (process.hrtime.bigint()), wherever it was answered: by Apollo, the lean
 * path or a reused response.
 */
export function countOperation(
  metrics: Pick<Metrics, 'graphqlOperations' | 'graphqlDuration'>,
  labels: { operation: string; type: string },
  started: bigint,
): void {
  metrics.graphqlOperations.inc(labels);
  metrics.graphqlDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
}

/** What the response store reports; see src/cache/response-store.ts. */
export interface ResponseStoreReport {
  readonly counts: { hits: number; misses: number; invalidations: number; stores: number };
  readonly entries: number;
  readonly bytes: number;
}

/** Exports the response store's counters and size, read at scrape time. */
export function observeResponseStore(
  metrics: Metrics,
  store: ResponseStoreReport | undefined,
): void {
  if (!store) return;
  const registers = [metrics.registry];
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${metrics.prefix}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter(
    'response_reuse_hits_total',
    'Responses served again without executing',
    () => store.counts.hits,
  );
  counter(
    'response_reuse_misses_total',
    'Reusable requests that found no current response',
    () => store.counts.misses,
  );
  counter(
    'response_reuse_invalidations_total',
    'Kept responses dropped because something they read changed',
    () => store.counts.invalidations,
  );
  counter('response_reuse_stores_total', 'Responses kept for reuse', () => store.counts.stores);
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: `${metrics.prefix}${name}`,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge('response_reuse_entries', 'Responses kept for reuse', () => store.entries);
  gauge('response_reuse_bytes', 'Approximate bytes held by kept responses', () => store.bytes);
}
