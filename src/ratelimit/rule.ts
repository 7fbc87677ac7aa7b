/**
 * The contracts of rate limiting: a rule (as declared by `@rateLimit` on a
 * field), the outcome of one check, and the decision the pure algorithms make.
 */
import type { RequestStats } from '../observability/request-stats.js';

export type RateLimitAlgorithm = 'FIXED_WINDOW' | 'SLIDING_WINDOW' | 'TOKEN_BUCKET';
export type RateLimitKeyPart = 'IP' | 'USER' | 'ARGUMENT';
export type RateLimitFallback = 'LOCAL' | 'CLOSED';
/** How a check was decided while Redis was unavailable. */
export type FallbackMode = 'local' | 'closed';

/** What the pure algorithms need to know of a rule. */
export interface LimitSpec {
  /** Admitted per window (TOKEN_BUCKET: tokens refilled per window). */
  limit: number;
  windowMs: number;
  /** TOKEN_BUCKET capacity; `limit` when absent. */
  burst?: number;
}

export interface RateLimitRule extends LimitSpec {
  /** The field it guards, e.g. 'Mutation.login'; part of the key and of errors. */
  field: string;
  /** Which of the field's rules (a field may have several). */
  index: number;
  algorithm: RateLimitAlgorithm;
  /** TOKEN_BUCKET capacity; equals `limit` unless the rule sets it. */
  burst: number;
  by: RateLimitKeyPart[];
  /** With ARGUMENT in `by`: the argument whose value keys the counter. */
  argument: string | null;
  fallback: RateLimitFallback;
}

/** One algorithm step: the verdict and the state to keep for the next call. */
export interface Decision<S> {
  allowed: boolean;
  /** Calls (or tokens) still admitted after this one. */
  remaining: number;
  /** When refused: milliseconds until the same call could be admitted; 0 when allowed. */
  msBeforeNext: number;
  newState: S;
}

/** The outcome of one check, like rate-limiter-flexible's result object. */
export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** When refused: milliseconds until a call could be admitted. */
  msBeforeNext: number;
  /** Where the decision was made. */
  source: 'redis' | 'local' | 'closed';
}

/** One check: `cost` calls against `rule` for the caller identified by `keyParts`. */
export interface RateLimitCheck {
  rule: RateLimitRule;
  keyParts: readonly string[];
  cost?: number;
}

/** What the `@rateLimit` directive needs from a limiter. */
export interface RateLimitConsumer {
  /** Counts `cost` calls against `rule` for the caller identified by `keyParts`. Never throws for Redis failures. */
  consume(
    rule: RateLimitRule,
    keyParts: readonly string[],
    cost?: number,
    stats?: RequestStats,
  ): Promise<RateLimitResult>;
  /** Several checks in one round trip, each decided on its own, in order. Never throws for Redis failures. */
  consumeMany(checks: readonly RateLimitCheck[], stats?: RequestStats): Promise<RateLimitResult[]>;
}
