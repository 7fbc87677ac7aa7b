/**
 * A rate-limit rule, as declared by `@rateLimit` on a field.
 */
export type RateLimitAlgorithm = 'FIXED_WINDOW' | 'SLIDING_WINDOW' | 'TOKEN_BUCKET';
export type RateLimitKeyPart = 'IP' | 'USER' | 'ARGUMENT';
export type RateLimitFallback = 'LOCAL' | 'CLOSED';

export interface RateLimitRule {
  /** The field it guards, e.g. 'Mutation.login'; part of the key and of errors. */
  field: string;
  /** Which of the field's rules (a field may have several). */
  index: number;
  limit: number;
  windowMs: number;
  algorithm: RateLimitAlgorithm;
  /** TOKEN_BUCKET capacity; defaults to `limit`. */
  burst: number;
  by: RateLimitKeyPart[];
  argument: string | null;
  fallback: RateLimitFallback;
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
