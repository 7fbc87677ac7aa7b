/**
 * Checks rate-limit rules: one atomic Lua round trip in Redis per check,
 * shared by every instance. When Redis cannot be reached, the rule's
 * fallback applies: LOCAL enforces the same algorithm in process (per
 * instance, bounded memory), CLOSED refuses every call for one window.
 * Fallbacks are reported through `onFallback` (logs and metrics).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { countStat } from '../observability/request-stats.js';
import type { RedisGate } from '../redis/redis-client.js';
import { fixedWindow, slidingWindow, tokenBucket, type Decision } from './algorithms.js';
import type { RateLimitResult, RateLimitRule } from './rule.js';
import { FIXED_WINDOW, SLIDING_WINDOW, TOKEN_BUCKET } from './scripts.js';

interface ScriptedRedis extends Redis {
  rlFixed(key: string, ...args: number[]): Promise<[number, number, number]>;
  rlSliding(key: string, ...args: number[]): Promise<[number, number, number]>;
  rlBucket(key: string, ...args: number[]): Promise<[number, number, number]>;
}

export interface RateLimiterOptions {
  gate: RedisGate;
  prefix: string;
  now?: () => number;
  /** Bound on in-process fallback state (distinct keys). */
  localMaxKeys?: number;
  onFallback?: (rule: RateLimitRule, mode: 'local' | 'closed') => void;
}

export class RateLimiter {
  private readonly redis: ScriptedRedis;
  private readonly now: () => number;
  private readonly local: LRUCache<string, object>;

  constructor(private readonly options: RateLimiterOptions) {
    const client = options.gate.client as ScriptedRedis;
    if (!client.rlFixed) {
      client.defineCommand('rlFixed', { numberOfKeys: 1, lua: FIXED_WINDOW });
      client.defineCommand('rlSliding', { numberOfKeys: 1, lua: SLIDING_WINDOW });
      client.defineCommand('rlBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    }
    this.redis = client;
    this.now = options.now ?? Date.now;
    this.local = new LRUCache({ max: options.localMaxKeys ?? 100_000 });
  }

  /**
   * The Redis key for a rule and the caller's key parts. Every part is
   * hashed, so no user input reaches a key as it was sent; the braces keep
   * the key in one cluster slot.
   */
  key(rule: RateLimitRule, parts: readonly string[]): string {
    const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);
    return `${this.options.prefix}:rl:{${rule.field}:${rule.index}:${digest}}`;
  }

  /** Counts one call (or `cost`) against the rule for these key parts. */
  async consume(rule: RateLimitRule, parts: readonly string[], cost = 1): Promise<RateLimitResult> {
    const key = this.key(rule, parts);
    const now = Math.round(this.now());
    const reply = await this.options.gate.run(
      () => {
        switch (rule.algorithm) {
          case 'FIXED_WINDOW':
            return this.redis.rlFixed(key, now, rule.windowMs, rule.limit, cost);
          case 'SLIDING_WINDOW':
            return this.redis.rlSliding(key, now, rule.windowMs, rule.limit, cost);
          case 'TOKEN_BUCKET':
            return this.redis.rlBucket(key, now, rule.windowMs, rule.limit, cost, rule.burst);
        }
      },
      () => countStat('redisRoundTrips'),
    );
    if (reply) return { allowed: reply[0] === 1, remaining: reply[1], msBeforeNext: reply[2], source: 'redis' };
    if (rule.fallback === 'CLOSED') {
      this.options.onFallback?.(rule, 'closed');
      return { allowed: false, remaining: 0, msBeforeNext: rule.windowMs, source: 'closed' };
    }
    this.options.onFallback?.(rule, 'local');
    const decision = this.decideLocally(rule, key, now, cost);
    return { allowed: decision.allowed, remaining: decision.remaining, msBeforeNext: decision.msBeforeNext, source: 'local' };
  }

  private decideLocally(rule: RateLimitRule, key: string, now: number, cost: number): Decision<object> {
    const state = this.local.get(key) as never;
    const decision: Decision<object> =
      rule.algorithm === 'FIXED_WINDOW'
        ? fixedWindow(state, now, rule.limit, rule.windowMs, cost)
        : rule.algorithm === 'SLIDING_WINDOW'
          ? slidingWindow(state, now, rule.limit, rule.windowMs, cost)
          : tokenBucket(state, now, rule.limit, rule.windowMs, rule.burst, cost);
    this.local.set(key, decision.state);
    return decision;
  }
}
