/**
 * Builds the ioredis connections the cache, the invalidation bus and the rate
 * limiter share, set so a slow or missing Redis never makes a request wait:
 * no offline queue (commands fail at once while disconnected), a per-command
 * timeout, no per-request retries, and endless background reconnection so
 * Redis is picked up when it appears.
 *
 * `RedisGate` puts a circuit breaker in front: callers ask `gate.available`
 * before a Redis call and report the outcome through `gate.run`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';

export interface RedisClientOptions {
  url: string;
  commandTimeoutMs: number;
  /** Connection name shown by CLIENT LIST, e.g. 'catalog:cache'. */
  name: string;
  onStatusChange?: (status: string, error?: Error) => void;
}

export function createRedisClient(options: RedisClientOptions): Redis {
  const redisOptions: RedisOptions = {
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
  const client = new Redis(options.url, redisOptions);
  client.on('error', (error: Error) => options.onStatusChange?.('error', error));
  for (const event of ['ready', 'close', 'reconnecting', 'end'] as const) {
    client.on(event, () => options.onStatusChange?.(event));
  }
  // Connect in the background; failures are reported through 'error'.
  client.connect().catch(() => undefined);
  return client;
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
    readonly client: Redis,
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
  async run<T>(call: (client: Redis) => Promise<T>, onRoundTrip?: () => void): Promise<T | undefined> {
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
