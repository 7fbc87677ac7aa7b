/**
 * The Lua scripts that make L2 writes atomic, one round trip each. They only
 * ever touch the keys they are given.
 *
 * Every entity and collection record carries the L2 epoch it was written
 * under (l2-record.ts); KEYS[1] of each script below is the epoch key. A fill
 * names the epoch it read before going to the database and is refused when
 * the epoch has moved since, so nothing read before an epoch advance can
 * enter L2 after it. Each script returns the current epoch first (0 when the
 * key is missing) so callers learn of an advance without another round trip.
 */

import { VERSION_RULE_LUA } from './version-rule.js';

/** Lua: parses a record header into version, softExpiresAt, epoch, kind byte; and the version rule. */
const PARSE = `${VERSION_RULE_LUA}
local function parse(record)
  if not record then return nil end
  local v, s, e, k = string.match(record, '^(%d+)|(%-?%d+)|(%d+)|(.)')
  if not v then return nil end
  return tonumber(v), tonumber(s), e, k
end
`;

/**
 * Version- and epoch-guarded fills of values read from the database.
 * KEYS: epoch key, n entity keys, then lease keys to release (any number).
 * ARGV: expected epoch, lease token, n, then per entity (version, record, ttlMs).
 * A fill is stored only under the expected epoch and when no stored record
 * has a newer version. Leases held by the token are released either way.
 * Returns {epoch, stored flags...}.
 */
export const FILL_ENTITIES = `${PARSE}
local epoch = redis.call('GET', KEYS[1])
local n = tonumber(ARGV[3])
local out = { tonumber(epoch or '0') or 0 }
for i = 1, n do
  local base = 3 + (i - 1) * 3
  local key = KEYS[i + 1]
  out[i + 1] = 0
  if epoch and epoch == ARGV[1] then
    local version = tonumber(ARGV[base + 1])
    if accepts(parse(redis.call('GET', key)), version, false) then
      redis.call('SET', key, ARGV[base + 2], 'PX', ARGV[base + 3])
      out[i + 1] = 1
    end
  end
end
for i = n + 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[2] then redis.call('DEL', KEYS[i]) end
end
return out
`;

/**
 * Applies committed changes: write-throughs of new versions and fences.
 * KEYS: epoch key, entity keys. ARGV: expected epoch, now, then per entity
 * (version, record, ttlMs, isFence). A value is stored only under the
 * expected epoch (the one known before the write ran); otherwise, and for
 * fences, a fence is stored under the current epoch, which can only cause
 * misses, never hide a newer value. A value replaces records of an older or
 * equal version, a fence only strictly older ones. Returns {epoch, flags...}:
 * 1 value stored, 2 fence stored, 0 a newer version kept (or no epoch yet:
 * then no record is valid anyway). Two more ARGV (channel, message): the
 * invalidation message announcing these changes, published last, so that
 * no subscriber sees it before the changes are stored (CarriedMessage).
 */
export const WRITE_ENTITIES = `${PARSE}
local epoch = redis.call('GET', KEYS[1])
local out = { tonumber(epoch or '0') or 0 }
for i = 2, #KEYS do
  local base = 2 + (i - 2) * 4
  local version = tonumber(ARGV[base + 1])
  local record = ARGV[base + 2]
  local fence = ARGV[base + 4] == '1'
  out[i] = 0
  if epoch then
    if fence or epoch ~= ARGV[1] then
      fence = true
      record = ARGV[base + 1] .. '|' .. ARGV[2] .. '|' .. epoch .. '|x'
    end
    if accepts(parse(redis.call('GET', KEYS[i])), version, fence) then
      redis.call('SET', KEYS[i], record, 'PX', ARGV[base + 3])
      out[i] = fence and 2 or 1
    end
  end
end
local carried = 2 + (#KEYS - 1) * 4
if #ARGV >= carried + 2 then redis.call('PUBLISH', ARGV[carried + 1], ARGV[carried + 2]) end
return out
`;

/**
 * A hard miss: reads the entities again and, for each still missing, tries to
 * take its lease. KEYS: epoch key, then pairs (entity key, lease key). ARGV:
 * token, leaseMs, now. Returns {epoch, per pair: the record when a fresh one
 * under the current epoch is there now, 1 when the lease was taken, 0 when
 * another caller holds it}.
 */
export const ACQUIRE_OR_READ = `${PARSE}
local epoch = redis.call('GET', KEYS[1])
local out = { tonumber(epoch or '0') or 0 }
local now = tonumber(ARGV[3])
for i = 2, #KEYS, 2 do
  local record = redis.call('GET', KEYS[i])
  local _, soft, e, kind = parse(record)
  if epoch and e == epoch and (kind == 'p' or kind == 'n') and soft > now then
    out[#out + 1] = record
  elseif redis.call('SET', KEYS[i + 1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;

/**
 * Advances the epoch: every record written before reads as a miss. The new
 * epoch is at least the caller's clock (ms), so epochs never repeat, even
 * after Redis lost the key. KEYS[1]: epoch key. ARGV[1]: now. Returns it.
 */
export const ADVANCE_EPOCH = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local next = string.format('%d', math.max(current + 1, tonumber(ARGV[1])))
redis.call('SET', KEYS[1], next)
return next
`;

/**
 * Called once per connection: if the server's run id (ARGV[1]) is not the
 * one recorded with the epoch, the server restarted or failed over since,
 * and may have come back with records that miss writes it had acknowledged,
 * or never saw: advance the epoch. KEYS: epoch key, run-id key. ARGV: run
 * id, now. Returns the epoch.
 */
export const CHECK_SERVER = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
  redis.call('SET', KEYS[1], string.format('%d', math.max(current + 1, tonumber(ARGV[2]))))
  redis.call('SET', KEYS[2], ARGV[1])
end
return redis.call('GET', KEYS[1])
`;

/** Creates the epoch (at the caller's clock) if missing. KEYS[1]: epoch key. ARGV[1]: now. Returns it. */
export const ENSURE_EPOCH = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;

/**
 * Collection-version- and epoch-guarded fill. KEYS: epoch key, then pairs
 * (versionKey, entryKey). ARGV: expected epoch, then per pair
 * (expectedVersion, record, ttlMs). Stores an entry only if the epoch and
 * the collection's version are still the ones read before the database
 * query; a write in between bumped the version, so the entry would be stale.
 */
export const FILL_COLLECTIONS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local stored = 0
for i = 2, #KEYS, 2 do
  local base = 1 + (i - 2) / 2 * 3
  local current = redis.call('GET', KEYS[i]) or '0'
  if current == ARGV[base + 1] then
    redis.call('SET', KEYS[i + 1], ARGV[base + 2], 'PX', ARGV[base + 3])
    stored = stored + 1
  end
end
return stored
`;

/**
 * Bumps collection versions. KEYS: version keys. ARGV[1]: ttlMs for the
 * counters (long, so a counter outlives every entry filled under it).
 * Returns the new versions.
 */
export const BUMP_COLLECTIONS = `
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1])
end
return out
`;

/** Compare-and-delete of a lease. KEYS[1]: lease key. ARGV[1]: token. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * Raises one shard's copy of the epoch to at least ARGV[1] (Redis Cluster:
 * every shard carries a copy, see keys.ts); never lowers it. KEYS[1]: the
 * shard's epoch key. Returns the copy's value after the call.
 */
export const RAISE_EPOCH = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local target = tonumber(ARGV[1])
if current < target then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return string.format('%d', current)
`;
