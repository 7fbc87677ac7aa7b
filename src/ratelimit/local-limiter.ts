/**
 * The in-process limiter used while Redis is unavailable (the LOCAL
 * fallback): the same pure algorithms over a bounded LRU map, so memory stays
 * flat however many distinct callers arrive. It limits per instance: N
 * instances together admit up to N times the limit.
 */
import { LRUCache } from 'lru-cache';
import { decide, type AlgorithmState } from './algorithms.js';
import type { Decision, RateLimitRule } from './rule.js';

export class LocalLimiter {
  private readonly states: LRUCache<string, AlgorithmState>;

  /** `maxKeys` bounds the distinct counters kept; the least recently used is forgotten first. */
  constructor(maxKeys: number) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1)
      throw new Error(`localMaxKeys must be a positive integer, got ${maxKeys}`);
    this.states = new LRUCache({ max: maxKeys });
  }

  /** One check of `rule` for the counter `key` at `now`. */
  consume(rule: RateLimitRule, key: string, now: number, cost = 1): Decision<AlgorithmState> {
    const decision = decide(rule.algorithm, this.states.get(key), now, rule, cost);
    this.states.set(key, decision.newState);
    return decision;
  }

  /** How many counters are held (for tests and metrics). */
  get size(): number {
    return this.states.size;
  }
}
