/**
 * The limit algorithms as Lua scripts: each check is one atomic round trip.
 * They mirror algorithms.ts exactly. ARGV: now (ms, from the caller's clock),
 * windowMs, limit, cost, and for the token bucket its capacity. Each returns
 * { allowed (0|1), remaining, msBeforeNext }. State lives in one hash per key.
 */

export const FIXED_WINDOW = `
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

export const SLIDING_WINDOW = `
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
  local wait = ws + w - now
  if prev > 0 and cur + cost <= limit then
    wait = math.max(1, math.ceil(ws + w * (1 - (limit - cur - cost) / prev) - now))
  end
  redis.call('HSET', KEYS[1], 'ws', ws, 'cur', cur, 'prev', prev)
  redis.call('PEXPIRE', KEYS[1], 2 * w)
  return {0, math.max(0, math.floor(limit - est)), wait}
end
cur = cur + cost
redis.call('HSET', KEYS[1], 'ws', ws, 'cur', cur, 'prev', prev)
redis.call('PEXPIRE', KEYS[1], 2 * w)
return {1, math.max(0, math.floor(limit - est - cost)), 0}
`;

export const TOKEN_BUCKET = `
local now, w, limit, cost, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rate = limit / w
local s = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(s[1]), tonumber(s[2])
if tokens == nil or updated == nil then tokens, updated = cap, now end
local function micro(x) return math.floor(x * 1e6 + 0.5) / 1e6 end
tokens = micro(math.min(cap, tokens + math.max(0, now - updated) * rate))
local ttl = math.ceil(cap / rate) + 1000
if tokens < cost then
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', now)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {0, math.floor(tokens), math.ceil((cost - tokens) / rate)}
end
tokens = micro(tokens - cost)
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', now)
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, math.floor(tokens), 0}
`;
