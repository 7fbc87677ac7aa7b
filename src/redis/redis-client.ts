/**
 * Builds the ioredis connections the cache, the invalidation bus and the rate
 * limiter share, set so a slow or missing Redis never makes a request wait:
 * no offline queue (commands fail at once while disconnected), a per-command
 * timeout, no per-request retries, and endless background reconnection so
 * Redis is picked up when it appears.
 *
 * The same settings apply to each node of a Sentinel or Cluster deployment
 * (`createRedisConnection`); see the README's scale-out section.
 *
 * `RedisGate` puts a circuit breaker in front: callers ask `gate.available`
 * before a Redis call and report the outcome through `gate.run`.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';
import type { RedisTopology } from '../config/redis-topology.js';

/** A connection to any supported deployment: one server (standalone or via Sentinel) or a cluster. */
export type RedisConnection = Redis | Cluster;

export interface RedisClientOptions {
  url: string;
  commandTimeoutMs: number;
  /** Connection name shown by CLIENT LIST, e.g. 'catalog:cache'. */
  name: string;
  onStatusChange?: (status: string, error?: Error) => void;
}

function baseOptions(options: Omit<RedisClientOptions, 'url'>): RedisOptions {
  return {
    connectionName: options.name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(1000, options.commandTimeoutMs * 4),
    autoResendUnfulfilledCommands: false,
    // The invalidation bus subscribes again itself on 'ready' and handles a
    // failure; ioredis's own re-subscription would reject unhandled.
    autoResubscribe: false,
    // Keep trying in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
  };
}

/** A connection to one standalone server at `options.url`. */
export function createRedisClient(options: RedisClientOptions): Redis {
  return watch(new Redis(options.url, baseOptions(options)), options);
}

/**
 * A connection to the deployment `topology` names. Sentinel: ioredis asks
 * the sentinels for the primary and, with the failover detector, drops the
 * connection as soon as they announce a new one. Cluster: commands go to the
 * primary of their slot (never to replicas: they may lag behind a write this
 * instance acknowledged); slots are refreshed on MOVED and on node failures.
 */
export function createRedisConnection(
  topology: RedisTopology,
  options: Omit<RedisClientOptions, 'url'>,
): RedisConnection {
  if (topology.mode === 'standalone') return createRedisClient({ ...options, url: topology.url });
  const auth = { password: topology.password, username: topology.username };
  if (topology.mode === 'sentinel') {
    const client = new Redis({
      ...baseOptions(options),
      ...auth,
      sentinels: topology.sentinels,
      name: topology.masterName,
      role: 'master',
      sentinelPassword: topology.sentinelPassword,
      failoverDetector: true,
      sentinelRetryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
    });
    return watch(client, options);
  }
  const cluster = new Cluster(topology.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnMoved: 0,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: Math.max(1000, options.commandTimeoutMs * 4),
    clusterRetryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
    // Node connections do not retry on their own: the cluster refreshes its
    // slot map and reconnects to whichever node serves the slot now.
    redisOptions: { ...withoutRetries(baseOptions(options)), ...auth },
  });
  return watch(cluster, options);
}

function withoutRetries(
  options: RedisOptions,
): Omit<RedisOptions, 'retryStrategy' | 'enableOfflineQueue'> {
  const { retryStrategy: _retry, enableOfflineQueue: _queue, ...rest } = options;
  return rest;
}

function watch<C extends RedisConnection>(client: C, options: Omit<RedisClientOptions, 'url'>): C {
  client.on('error', (error: Error) => options.onStatusChange?.('error', error));
  for (const event of ['ready', 'close', 'reconnecting', 'end'] as const) {
    client.on(event, () => options.onStatusChange?.(event));
  }
  // Connect in the background; failures are reported through 'error'.
  client.connect().catch(() => undefined);
  return client;
}

/** True for a Redis Cluster connection. */
export function isCluster(client: RedisConnection): client is Cluster {
  return client instanceof Cluster;
}

export interface RedisGateOptions {
  failureThreshold?: number;
  openMs?: number;
  now?: () => number;
  onBreakerChange?: (s: BreakerState) => void;
  /**
   * A call failed (error, timeout). `first` is true for the first failure
   * since the last success: log it then (once per outage) and count every one.
   */
  onFailure?: (error: unknown, first: boolean) => void;
}

/**
 * The shared Redis connection behind a circuit breaker. Every call goes
 * through `run`, which never throws: a failure is reported to `onFailure`
 * (logged once per outage, counted every time) and becomes `undefined`, so
 * callers fall back to L1, the database or a local limiter.
 */
export class RedisGate {
  readonly breaker: CircuitBreaker;
  private failing = false;

  constructor(
    readonly client: RedisConnection,
    private readonly options: RedisGateOptions = {},
  ) {
    this.breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold ?? 3,
      openMs: options.openMs ?? 1000,
      now: options.now,
      onStateChange: options.onBreakerChange,
    });
  }

  /** True when Redis is connected and the breaker lets calls through. */
  get available(): boolean {
    return this.client.status === 'ready' && this.breaker.state !== 'open';
  }

  /**
   * Runs one Redis call through the breaker. Returns `undefined` instead of
   * throwing when Redis is unavailable or the call fails (reported to
   * `onFailure`), so callers fall back; `onRoundTrip` is called once per
   * call actually sent.
   */
  async run<T>(
    call: (client: RedisConnection) => Promise<T>,
    onRoundTrip?: () => void,
  ): Promise<T | undefined> {
    if (this.client.status !== 'ready' || !this.breaker.allow()) return undefined;
    onRoundTrip?.();
    try {
      const result = await call(this.client);
      this.breaker.success();
      this.failing = false;
      return result;
    } catch (error) {
      this.breaker.failure();
      const first = !this.failing;
      this.failing = true;
      this.options.onFailure?.(error, first);
      return undefined;
    }
  }
}
