/**
 * The Lua scripts that make L2 writes atomic, one round trip each. They only
 * ever touch the keys they are given (cluster-safe when the caller groups keys
 * by slot).
 */

/**
 * Version-guarded entity fill. KEYS: entity keys. ARGV: per key (version,
 * record, ttlMs). Stores a record only when no stored record has a newer
 * version, so a fill that read an old row never replaces a newer one.
 * Returns, per key, 1 if stored and 0 if a newer version was kept.
 */
export const FILL_ENTITIES = `
local stored = {}
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local version = tonumber(ARGV[base + 1])
  local current = redis.call('GET', key)
  local currentVersion = -1
  if current then
    currentVersion = tonumber(string.match(current, '^(%d+)|')) or -1
  end
  -- An invalidation fence ('x') only replaces strictly older versions, so it
  -- never destroys a value written through at the same version.
  local fence = string.match(ARGV[base + 2], '^%d+|%-?%d+|x') ~= nil
  if version > currentVersion or (version == currentVersion and not fence) then
    redis.call('SET', key, ARGV[base + 2], 'PX', ARGV[base + 3])
    stored[i] = 1
  else
    stored[i] = 0
  end
end
return stored
`;

/**
 * Collection-version-guarded fill. KEYS: pairs (versionKey, entryKey). ARGV:
 * per pair (expectedVersion, record, ttlMs). Stores an entry only if the
 * collection's version is still the one read before the database query; a
 * write in between bumped it, so the entry would be stale.
 */
export const FILL_COLLECTIONS = `
local stored = 0
for i = 1, #KEYS, 2 do
  local base = (i - 1) / 2 * 3
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
