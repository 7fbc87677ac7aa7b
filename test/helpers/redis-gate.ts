/**
 * The one way tests open a Redis connection behind a gate, as the app does
 * (src/redis/redis-client.ts: no offline queue, command timeout, breaker).
 */
import {
  createRedisClient,
  RedisGate,
  type RedisGateOptions,
} from '../../src/redis/redis-client.js';

export interface TestGateOptions extends RedisGateOptions {
  /** Connection name (CLIENT LIST). */
  name?: string;
  commandTimeoutMs?: number;
}

/** A gate on its own new connection to `url`; `gate.client.disconnect()` closes it. */
export function redisGate(url: string, options: TestGateOptions = {}): RedisGate {
  const { name = 'test', commandTimeoutMs = 500, ...gateOptions } = options;
  return new RedisGate(createRedisClient({ url, commandTimeoutMs, name }), gateOptions);
}
