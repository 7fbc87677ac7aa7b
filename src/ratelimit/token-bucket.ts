/**
 * Token bucket: holds up to `burst` tokens (capacity, `limit` by default)
 * and refills `limit` tokens per `windowMs`, continuously. Allows short
 * bursts while holding the long-run rate.
 */
import type { Decision, LimitSpec } from './rule.js';

export interface TokenBucketState {
  tokens: number;
  updatedAt: number;
}

/**
 * Takes `cost` tokens if the bucket, refilled up to `now`, holds them. A
 * refusal returns the state it was given: refill is computed from the last
 * admitted call, so refused calls neither write nor shift the refill.
 */
export function consumeTokenBucket(
  state: TokenBucketState | undefined,
  now: number,
  rule: LimitSpec,
  cost = 1,
): Decision<TokenBucketState> {
  const capacity = rule.burst ?? rule.limit;
  const rate = rule.limit / rule.windowMs;
  const last = state ?? { tokens: capacity, updatedAt: now };
  const tokens = microRound(
    Math.min(capacity, last.tokens + Math.max(0, now - last.updatedAt) * rate),
  );
  if (tokens < cost) {
    const msBeforeNext =
      cost > capacity ? rule.windowMs : Math.max(1, Math.ceil((cost - tokens) / rate));
    return { allowed: false, remaining: Math.floor(tokens), msBeforeNext, newState: last };
  }
  const left = microRound(tokens - cost);
  return {
    allowed: true,
    remaining: Math.floor(left),
    msBeforeNext: 0,
    newState: { tokens: left, updatedAt: now },
  };
}

/**
 * Tokens are kept on a grid of a millionth, so rates such as 10 per second
 * (0.01 per ms, not exact in binary) refill a whole token exactly when expected.
 */
function microRound(x: number): number {
  return Math.floor(x * 1e6 + 0.5) / 1e6;
}

/**
 * KEYS[1]: a hash {t, u}. ARGV: now (ms, the caller's clock), windowMs,
 * limit, cost, capacity. Returns {allowed 0|1, remaining, msBeforeNext}.
 * Redis stores Lua numbers with 17 significant digits, so the state read
 * back is the exact double the script wrote.
 */
export const TOKEN_BUCKET_LUA = `
local now, w, limit, cost, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rate = limit / w
local s = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(s[1]), tonumber(s[2])
if tokens == nil or updated == nil then tokens, updated = cap, now end
tokens = math.floor(math.min(cap, tokens + math.max(0, now - updated) * rate) * 1e6 + 0.5) / 1e6
if tokens < cost then
  local wait = w
  if cost <= cap then wait = math.max(1, math.ceil((cost - tokens) / rate)) end
  return {0, math.floor(tokens), wait}
end
local left = math.floor((tokens - cost) * 1e6 + 0.5) / 1e6
redis.call('HSET', KEYS[1], 't', left, 'u', now)
-- Once full again the bucket equals a missing key, so it may expire then.
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate))
return {1, math.floor(left), 0}
`;
