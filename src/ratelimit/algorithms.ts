/**
 * The three limit algorithms by name: the pure function the in-process
 * limiter runs and the Lua script Redis runs, for each `RateLimitAlgorithm`.
 */
import { UnreachableCaseError } from '../errors/app-error.js';
import { consumeFixedWindow, FIXED_WINDOW_LUA, type FixedWindowState } from './fixed-window.js';
import type { Decision, LimitSpec, RateLimitAlgorithm } from './rule.js';
import {
  consumeSlidingWindow,
  SLIDING_WINDOW_LUA,
  type SlidingWindowState,
} from './sliding-window.js';
import { consumeTokenBucket, TOKEN_BUCKET_LUA, type TokenBucketState } from './token-bucket.js';

export type AlgorithmState = FixedWindowState | SlidingWindowState | TokenBucketState;

/**
 * One step of `algorithm`. `state` must be what this algorithm returned
 * before (or undefined); callers keep one state per key and rule.
 */
export function decide(
  algorithm: RateLimitAlgorithm,
  state: AlgorithmState | undefined,
  now: number,
  rule: LimitSpec,
  cost = 1,
): Decision<AlgorithmState> {
  switch (algorithm) {
    case 'FIXED_WINDOW':
      return consumeFixedWindow(state as FixedWindowState | undefined, now, rule, cost);
    case 'SLIDING_WINDOW':
      return consumeSlidingWindow(state as SlidingWindowState | undefined, now, rule, cost);
    case 'TOKEN_BUCKET':
      return consumeTokenBucket(state as TokenBucketState | undefined, now, rule, cost);
    default:
      throw new UnreachableCaseError(algorithm);
  }
}

/** The Lua script that runs `algorithm` atomically in Redis. */
export function luaFor(algorithm: RateLimitAlgorithm): string {
  switch (algorithm) {
    case 'FIXED_WINDOW':
      return FIXED_WINDOW_LUA;
    case 'SLIDING_WINDOW':
      return SLIDING_WINDOW_LUA;
    case 'TOKEN_BUCKET':
      return TOKEN_BUCKET_LUA;
    default:
      throw new UnreachableCaseError(algorithm);
  }
}
