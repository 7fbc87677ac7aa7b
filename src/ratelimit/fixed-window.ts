/**
 * Fixed window: at most `limit` per window of `windowMs` aligned to the
 * clock. The cheapest state, at the price of admitting up to twice the limit
 * across a window edge. The pure function and its Lua twin sit side by side
 * so they change together; redis-limiter tests check that they agree.
 */
import type { Decision, LimitSpec } from './rule.js';

export interface FixedWindowState {
  windowStart: number;
  count: number;
}

/**
 * Counts `cost` against the window containing `now`. A refusal returns the
 * state it was given (as the script, which writes nothing then).
 */
export function consumeFixedWindow(
  state: FixedWindowState | undefined,
  now: number,
  rule: LimitSpec,
  cost = 1,
): Decision<FixedWindowState> {
  const { limit, windowMs } = rule;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const count = state?.windowStart === windowStart ? state.count : 0;
  if (count + cost > limit) {
    const msBeforeNext = windowStart + windowMs - now;
    return {
      allowed: false,
      remaining: Math.max(0, limit - count),
      msBeforeNext,
      newState: state ?? { windowStart, count },
    };
  }
  return {
    allowed: true,
    remaining: limit - count - cost,
    msBeforeNext: 0,
    newState: { windowStart, count: count + cost },
  };
}

/**
 * KEYS[1]: a hash {ws, n}. ARGV: now (ms, the caller's clock), windowMs,
 * limit, cost. Returns {allowed 0|1, remaining, msBeforeNext}. Refusals write
 * nothing, so a flood of refused calls costs Redis no writes.
 */
export const FIXED_WINDOW_LUA = `
local now, w, limit, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ws = math.floor(now / w) * w
local s = redis.call('HMGET', KEYS[1], 'ws', 'n')
local n = 0
if tonumber(s[1]) == ws then n = tonumber(s[2]) or 0 end
if n + cost > limit then
  return {0, math.max(0, limit - n), ws + w - now}
end
n = n + cost
redis.call('HSET', KEYS[1], 'ws', ws, 'n', n)
redis.call('PEXPIRE', KEYS[1], w)
return {1, limit - n, 0}
`;
