/**
 * Sliding window, counter approximation: the previous aligned window's
 * count, weighted by how much of it the sliding window still covers, plus
 * the current window's count. Two numbers of state, no edge bursts of a
 * fixed window. The Lua twin below does the same arithmetic in the same
 * order, so both give bit-identical answers.
 */
import type { Decision, LimitSpec } from './rule.js';

export interface SlidingWindowState {
  windowStart: number;
  current: number;
  previous: number;
}

/**
 * Counts `cost` if the weighted estimate stays within the limit. A refusal
 * returns the state it was given (the script writes nothing then).
 */
export function consumeSlidingWindow(
  state: SlidingWindowState | undefined,
  now: number,
  rule: LimitSpec,
  cost = 1,
): Decision<SlidingWindowState> {
  const { limit, windowMs } = rule;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  let current = 0;
  let previous = 0;
  if (state?.windowStart === windowStart) {
    current = state.current;
    previous = state.previous;
  } else if (state?.windowStart === windowStart - windowMs) {
    previous = state.current;
  }
  const estimate = previous * (1 - (now - windowStart) / windowMs) + current;
  if (estimate + cost > limit) {
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor(limit - estimate)),
      msBeforeNext: msUntilAdmitted(now, windowStart, windowMs, previous, current, limit, cost),
      newState: state ?? { windowStart, current, previous },
    };
  }
  return {
    allowed: true,
    remaining: Math.max(0, Math.floor(limit - estimate - cost)),
    msBeforeNext: 0,
    newState: { windowStart, current: current + cost, previous },
  };
}

/** When the estimate will have fallen enough to admit `cost`, if nobody else calls meanwhile. */
function msUntilAdmitted(
  now: number,
  windowStart: number,
  windowMs: number,
  previous: number,
  current: number,
  limit: number,
  cost: number,
): number {
  if (cost > limit) return windowMs;
  // Within this window only the previous window's weight falls; if the current
  // count alone is too high, wait for it to become the weighted previous one.
  const at =
    current + cost <= limit
      ? windowStart + windowMs * (1 - (limit - current - cost) / previous)
      : windowStart + windowMs + windowMs * (1 - (limit - cost) / current);
  return Math.max(1, Math.ceil(at - now));
}

/**
 * KEYS[1]: a hash {ws, cur, prev}. ARGV: now (ms, the caller's clock),
 * windowMs, limit, cost. Returns {allowed 0|1, remaining, msBeforeNext}.
 */
export const SLIDING_WINDOW_LUA = `
local now, w, limit, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ws = math.floor(now / w) * w
local s = redis.call('HMGET', KEYS[1], 'ws', 'cur', 'prev')
local sws = tonumber(s[1])
local cur, prev = 0, 0
if sws == ws then
  cur, prev = tonumber(s[2]) or 0, tonumber(s[3]) or 0
elseif sws == ws - w then
  prev = tonumber(s[2]) or 0
end
local est = prev * (1 - (now - ws) / w) + cur
if est + cost > limit then
  local wait = w
  if cost <= limit then
    local at
    if cur + cost <= limit then
      at = ws + w * (1 - (limit - cur - cost) / prev)
    else
      at = ws + w + w * (1 - (limit - cost) / cur)
    end
    wait = math.max(1, math.ceil(at - now))
  end
  return {0, math.max(0, math.floor(limit - est)), wait}
end
redis.call('HSET', KEYS[1], 'ws', ws, 'cur', cur + cost, 'prev', prev)
redis.call('PEXPIRE', KEYS[1], 2 * w)
return {1, math.max(0, math.floor(limit - est - cost)), 0}
`;
