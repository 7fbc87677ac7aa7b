/**
 * Checks rate-limit rules: one atomic Lua round trip to Redis per check,
 * shared by every instance. When Redis cannot answer, a fallback decides:
 *
 * - Redis is down (no connection): the configured `fallback` applies, either
 *   for every rule (`local`, `closed`) or as each rule says (`directive`).
 *   LOCAL decides in process with the same algorithm (per instance, bounded
 *   memory); CLOSED refuses for one window.
 * - Redis is connected but slow (a timeout, or the breaker opened by
 *   timeouts): always LOCAL. A slow Redis must never lock every user out of
 *   `login`; the local count still bounds guessing per instance.
 *
 * Every fallback decision is reported through `onFallback` and, given a
 * registry, a prom-client counter; `onOutage` reports only the first fallback
 * of an outage and the first Redis answer after it, so logs get one line each.
 */
import { Counter, type Registry } from 'prom-client';
import { countInto, type RequestStats } from '../observability/request-stats.js';
import type { RedisConnection, RedisGate } from '../redis/redis-client.js';
import { groupByNode } from '../redis/slot-batches.js';
import { luaFor } from './algorithms.js';
import { rateLimitKey } from './keys.js';
import { LocalLimiter } from './local-limiter.js';
import { isNoScript, LuaScript } from '../redis/lua-script.js';

/** The reply of every rate-limit script: allowed (0|1), remaining, msBeforeNext. */
type ScriptReply = [allowed: number, remaining: number, msBeforeNext: number];
type RateLimitScript = LuaScript<ScriptReply>;
import type {
  FallbackMode,
  RateLimitAlgorithm,
  RateLimitCheck,
  RateLimitConsumer,
  RateLimitResult,
  RateLimitRule,
} from './rule.js';

export interface RateLimiterOptions {
  /**
   * Redis behind its breaker; `run` resolves to undefined when Redis is
   * unavailable or the call failed. `connected` (optional) tells a slow Redis
   * (connected) from a lost one; without it every failure counts as lost.
   */
  gate: Pick<RedisGate, 'run'> & { readonly connected?: boolean };
  /** What to do while Redis is lost (default `directive`: each rule's own fallback). */
  fallback?: 'local' | 'closed' | 'directive';
  /** Called when decisions start being made without Redis, and when Redis answers again. */
  onOutage?: (
    event: 'started' | 'ended',
    detail: { mode: FallbackMode; redisConnected: boolean },
  ) => void;
  /** Namespace of every key, e.g. the cache prefix. */
  prefix: string;
  /** The clock (ms); also sent to the scripts, so tests can drive Redis time. */
  now?: () => number;
  /** Bound on the LOCAL fallback's distinct counters (default 100,000). */
  localMaxKeys?: number;
  /** Called on every decision made without Redis (to log, or count). */
  onFallback?: (rule: RateLimitRule, mode: FallbackMode) => void;
  /** Where to register `rate_limit_fallbacks_total{field,mode}`; an existing counter of that name is reused. */
  registry?: Registry;
}

const FALLBACK_METRIC = 'rate_limit_fallbacks_total';

export class RateLimiter implements RateLimitConsumer {
  private readonly gate: RateLimiterOptions['gate'];
  private readonly fallbackSetting: NonNullable<RateLimiterOptions['fallback']>;
  private readonly onOutage: RateLimiterOptions['onOutage'];
  private inOutage = false;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly local: LocalLimiter;
  private readonly onFallback: ((rule: RateLimitRule, mode: FallbackMode) => void) | undefined;
  private readonly fallbacks: Counter<'field' | 'mode'> | undefined;
  private readonly scripts = new Map<RateLimitAlgorithm, RateLimitScript>();

  constructor(options: RateLimiterOptions) {
    if (!options.prefix) throw new Error('RateLimiter: prefix must be a non-empty string');
    this.gate = options.gate;
    this.fallbackSetting = options.fallback ?? 'directive';
    this.onOutage = options.onOutage;
    this.prefix = options.prefix;
    this.now = options.now ?? Date.now;
    this.local = new LocalLimiter(options.localMaxKeys ?? 100_000);
    this.onFallback = options.onFallback;
    this.fallbacks = options.registry && fallbackCounter(options.registry);
  }

  /** The Redis key of `rule`'s counter for these key parts. */
  key(rule: RateLimitRule, keyParts: readonly string[]): string {
    return rateLimitKey(this.prefix, rule, keyParts);
  }

  /**
   * Counts `cost` calls against `rule` for the caller named by `keyParts`.
   * Never rejects: Redis failures turn into the rule's fallback.
   */
  async consume(
    rule: RateLimitRule,
    keyParts: readonly string[],
    cost = 1,
    stats?: RequestStats,
  ): Promise<RateLimitResult> {
    const [result] = await this.consumeMany([{ rule, keyParts, cost }], stats);
    return result!;
  }

  /**
   * Counts several checks in one round trip (a pipeline of scripts), in
   * order, each decided on its own; used to charge a reused response for
   * every limited field its execution charged. Never rejects.
   */
  async consumeMany(
    checks: readonly RateLimitCheck[],
    stats?: RequestStats,
  ): Promise<RateLimitResult[]> {
    if (checks.length === 0) return [];
    // Whole milliseconds, so the script's arithmetic starts from the same number the fallback would.
    const now = Math.round(this.now());
    const calls = checks.map(({ rule, keyParts, cost = 1 }) => ({
      rule,
      cost,
      key: this.key(rule, keyParts),
      script: this.script(rule.algorithm),
      args:
        rule.algorithm === 'TOKEN_BUCKET'
          ? [now, rule.windowMs, rule.limit, cost, rule.burst]
          : [now, rule.windowMs, rule.limit, cost],
    }));
    const roundTrip = () => countInto(stats, 'redisRoundTrips');
    const replies = await this.gate.run(
      (client) =>
        calls.length === 1
          ? calls[0]!.script
              .run(client, [calls[0]!.key], calls[0]!.args, { onExtraRoundTrip: roundTrip })
              .then((reply) => [reply])
          : runPipelined(client, calls, roundTrip),
      roundTrip,
    );
    return calls.map((call, i) => {
      const reply = replies?.[i];
      if (reply) {
        if (this.inOutage) {
          this.inOutage = false;
          this.onOutage?.('ended', { mode: 'local', redisConnected: true });
        }
        return {
          allowed: reply[0] === 1,
          remaining: reply[1],
          msBeforeNext: reply[2],
          source: 'redis',
        };
      }
      return this.fallback(call.rule, call.key, now, call.cost);
    });
  }

  /** The fallback for `rule` now: LOCAL while Redis is merely slow, else as configured. */
  private modeFor(rule: RateLimitRule, redisConnected: boolean): FallbackMode {
    if (redisConnected) return 'local';
    if (this.fallbackSetting !== 'directive') return this.fallbackSetting;
    return rule.fallback === 'CLOSED' ? 'closed' : 'local';
  }

  private fallback(rule: RateLimitRule, key: string, now: number, cost: number): RateLimitResult {
    const redisConnected = this.gate.connected === true;
    const mode = this.modeFor(rule, redisConnected);
    if (!this.inOutage) {
      this.inOutage = true;
      this.onOutage?.('started', { mode, redisConnected });
    }
    this.onFallback?.(rule, mode);
    this.fallbacks?.inc({ field: rule.field, mode });
    if (mode === 'closed')
      return { allowed: false, remaining: 0, msBeforeNext: rule.windowMs, source: 'closed' };
    const { allowed, remaining, msBeforeNext } = this.local.consume(rule, key, now, cost);
    return { allowed, remaining, msBeforeNext, source: 'local' };
  }

  private script(algorithm: RateLimitAlgorithm): RateLimitScript {
    let script = this.scripts.get(algorithm);
    if (!script)
      this.scripts.set(algorithm, (script = new LuaScript<ScriptReply>(luaFor(algorithm))));
    return script;
  }
}

/**
 * Several scripts in one pipeline per Redis node (one pipeline in all on a
 * single server; each check's key is in one slot); a NOSCRIPT reply is
 * retried with EVAL (one more round trip).
 */
async function runPipelined(
  client: RedisConnection,
  calls: ReadonlyArray<{ key: string; script: RateLimitScript; args: Array<string | number> }>,
  onExtraRoundTrip: () => void,
): Promise<ScriptReply[]> {
  const replies = await Promise.all(
    groupByNode(client, calls, (call) => call.key).map(async (group, n) => {
      if (n > 0) onExtraRoundTrip();
      const pipeline = client.pipeline();
      for (const call of group) call.script.queue(pipeline, [call.key], call.args);
      const results = (await pipeline.exec()) ?? [];
      return group.map((call, i) => ({
        call,
        result: results[i] ?? [new Error('no reply'), null],
      }));
    }),
  );
  const byCall = new Map(replies.flat().map(({ call, result }) => [call, result] as const));
  return Promise.all(
    calls.map((call) => {
      const [error, reply] = byCall.get(call) ?? [new Error('no reply')];
      if (!error) return reply as ScriptReply;
      if (!isNoScript(error)) throw error;
      return call.script.run(client, [call.key], call.args, { onExtraRoundTrip });
    }),
  );
}

function fallbackCounter(registry: Registry): Counter<'field' | 'mode'> {
  const existing = registry.getSingleMetric(FALLBACK_METRIC);
  if (existing instanceof Counter) return existing as Counter<'field' | 'mode'>;
  if (existing)
    throw new Error(
      `RateLimiter: the registry already has a ${FALLBACK_METRIC} that is not a Counter`,
    );
  return new Counter({
    name: FALLBACK_METRIC,
    help: 'Rate-limit checks decided without Redis, by field and fallback mode',
    labelNames: ['field', 'mode'],
    registers: [registry],
  });
}
