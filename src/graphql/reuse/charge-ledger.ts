/**
 * A request's ledger of rate-limit checks (the `RateLimitLedger` of the
 * `@rateLimit` directive): what an execution charged, so that serving its
 * response again charges the same, and decisions made in advance, so that a
 * reuse refused by a limit executes without charging twice.
 */
import type { RateLimitResult, RateLimitRule } from '../../ratelimit/rule.js';
import type { RateLimitLedger } from '../directives/rate-limit.js';

/** One charged check, before the caller's identity is applied to it. */
export interface Charge {
  rule: RateLimitRule;
  args: Record<string, unknown>;
}

export class ChargeLedger implements RateLimitLedger {
  readonly charges: Charge[] = [];
  private readonly decided = new Map<string, RateLimitResult[]>();

  record(rule: RateLimitRule, args: Record<string, unknown>): void {
    this.charges.push({ rule, args });
  }

  /** Decisions already made (and counted) for these checks, used in order by the execution. */
  precharge(
    checks: ReadonlyArray<{ rule: RateLimitRule; keyParts: readonly string[] }>,
    results: readonly RateLimitResult[],
  ): void {
    checks.forEach((check, i) => {
      const id = checkId(check.rule, check.keyParts);
      const queue = this.decided.get(id);
      if (queue) queue.push(results[i]!);
      else this.decided.set(id, [results[i]!]);
    });
  }

  take(rule: RateLimitRule, keyParts: readonly string[]): RateLimitResult | undefined {
    return this.decided.get(checkId(rule, keyParts))?.shift();
  }
}

function checkId(rule: RateLimitRule, keyParts: readonly string[]): string {
  return `${rule.field}#${rule.index}\u0000${keyParts.join('\u0000')}`;
}
