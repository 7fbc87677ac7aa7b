/**
 * Redis keys of rate-limit counters: `<prefix>:rl:{<field>:<rule>:<digest>}`.
 * The caller's key parts (IP, user id, an argument's value) enter only as a
 * truncated SHA-256, so no user input reaches a key as sent: no glob
 * characters, no braces that would move the hash slot, no unbounded length.
 * The braces are a hash tag: everything one check touches is in one slot.
 */
import { createHash } from 'node:crypto';
import type { RateLimitRule } from './rule.js';

/** The key of `rule`'s counter for one caller. */
export function rateLimitKey(
  prefix: string,
  rule: Pick<RateLimitRule, 'field' | 'index'>,
  parts: readonly string[],
): string {
  // JSON keeps ['a:b', 'c'] and ['a', 'b:c'] apart; 22 base64url chars are 132 bits.
  const digest = createHash('sha256')
    .update(JSON.stringify(parts))
    .digest('base64url')
    .slice(0, 22);
  return `${prefix}:rl:{${rule.field}:${rule.index}:${digest}}`;
}
