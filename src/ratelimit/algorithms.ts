/**
 * The three limit algorithms as pure functions over a small state and an
 * injected `now` (ms). The Lua scripts in scripts.ts do the same arithmetic
 * atomically in Redis; the in-process fallback uses these directly.
 */
export interface Decision<S> {
  allowed: boolean;
  remaining: number;
  msBeforeNext: number;
  state: S;
}

export interface FixedWindowState {
  windowStart: number;
  count: number;
}

/** Fixed window: at most `limit` per aligned window of `windowMs`. */
export function fixedWindow(state: FixedWindowState | undefined, now: number, limit: number, windowMs: number, cost = 1): Decision<FixedWindowState> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const count = state?.windowStart === windowStart ? state.count : 0;
  if (count + cost > limit) {
    return { allowed: false, remaining: Math.max(0, limit - count), msBeforeNext: windowStart + windowMs - now, state: { windowStart, count } };
  }
  return { allowed: true, remaining: limit - count - cost, msBeforeNext: 0, state: { windowStart, count: count + cost } };
}

export interface SlidingWindowState {
  windowStart: number;
  current: number;
  previous: number;
}

/**
 * Sliding window counter: the previous window's count, weighted by how much
 * of it still overlaps the sliding window, plus the current window's count.
 */
export function slidingWindow(state: SlidingWindowState | undefined, now: number, limit: number, windowMs: number, cost = 1): Decision<SlidingWindowState> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  let current = 0;
  let previous = 0;
  if (state?.windowStart === windowStart) {
    current = state.current;
    previous = state.previous;
  } else if (state?.windowStart === windowStart - windowMs) {
    previous = state.current;
  }
  const weight = 1 - (now - windowStart) / windowMs;
  const estimate = previous * weight + current;
  const next = { windowStart, current, previous };
  if (estimate + cost > limit) {
    let wait = windowStart + windowMs - now;
    if (previous > 0 && current + cost <= limit) {
      // previous * (1 - (t - windowStart) / windowMs) + current + cost <= limit
      const t = windowStart + windowMs * (1 - (limit - current - cost) / previous);
      wait = Math.max(1, Math.ceil(t - now));
    }
    return { allowed: false, remaining: Math.max(0, Math.floor(limit - estimate)), msBeforeNext: wait, state: next };
  }
  return { allowed: true, remaining: Math.max(0, Math.floor(limit - estimate - cost)), msBeforeNext: 0, state: { ...next, current: current + cost } };
}

export interface TokenBucketState {
  tokens: number;
  updatedAt: number;
}

/** Token bucket: `capacity` tokens, refilled at `limit` per `windowMs`. */
export function tokenBucket(
  state: TokenBucketState | undefined,
  now: number,
  limit: number,
  windowMs: number,
  capacity: number,
  cost = 1,
): Decision<TokenBucketState> {
  const rate = limit / windowMs;
  const previous = state ?? { tokens: capacity, updatedAt: now };
  // Rounded to micro-tokens so Lua (which stores numbers as text) and JS agree exactly.
  const tokens = microRound(Math.min(capacity, previous.tokens + Math.max(0, now - previous.updatedAt) * rate));
  if (tokens < cost) {
    return { allowed: false, remaining: Math.floor(tokens), msBeforeNext: Math.ceil((cost - tokens) / rate), state: { tokens, updatedAt: now } };
  }
  return { allowed: true, remaining: Math.floor(tokens - cost), msBeforeNext: 0, state: { tokens: microRound(tokens - cost), updatedAt: now } };
}

function microRound(x: number): number {
  return Math.floor(x * 1e6 + 0.5) / 1e6;
}
