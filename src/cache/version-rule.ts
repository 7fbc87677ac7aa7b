/**
 * The version rule: which record a tier keeps when a new one arrives for the
 * same key. One rule, three twins that must agree: these pure functions (used
 * by L1 and the in-memory L2 driver), and `VERSION_RULE_LUA` below (embedded
 * in the Redis L2 scripts, l2-scripts.ts). test/contract/version-rule.test.ts
 * runs the functions and the real scripts on Redis over generated cases and
 * requires the same decisions.
 *
 * - a **fill** (a value read from the database) is kept unless a newer
 *   version is stored: equal versions carry equal data, and an equal fill may
 *   refresh an expiring record;
 * - a **fence** (an invalidation at a version) replaces only strictly older
 *   records: a fence never hides the value it fences;
 * - a **collection fill** is kept only while the collection's version is the
 *   one read before the database query (a bump in between makes it stale).
 *
 * `current` is the version stored now, or undefined when nothing is stored.
 */

/** Whether a fill (or write-through of a value) at `incoming` replaces what is stored at `current`. */
export function acceptsFill(current: number | undefined, incoming: number): boolean {
  return current === undefined || incoming >= current;
}

/** Whether a fence at `incoming` replaces what is stored at `current`. */
export function acceptsFence(current: number | undefined, incoming: number): boolean {
  return current === undefined || incoming > current;
}

/** Whether a collection entry filled after reading version `expected` may be kept now that the counter is `current` (absent: 0). */
export function acceptsCollectionFill(current: number | undefined, expected: number): boolean {
  return (current ?? 0) === expected;
}

/** The counter after a collection bump. */
export function bumpedVersion(current: number | undefined): number {
  return (current ?? 0) + 1;
}

/**
 * The Lua twin of `acceptsFill` / `acceptsFence` (current is nil when nothing
 * is stored; fence is a boolean).
 */
export const VERSION_RULE_LUA = `
local function accepts(current, incoming, fence)
  if current == nil then return true end
  if fence then return incoming > current end
  return incoming >= current
end
`;
