/**
 * Runs a Lua script in one round trip: EVALSHA, and EVAL only when Redis
 * answers NOSCRIPT (after a restart, a failover or SCRIPT FLUSH), which also
 * loads the script again. The client is not modified (no defineCommand), so
 * the cache, the rate limiter and anything else can share one connection.
 *
 * The one Lua runner of the application: the L2 store (src/cache/redis-l2-driver.ts)
 * and the rate limiter (src/ratelimit/rate-limiter.ts) both use it.
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

export type ScriptArg = string | Buffer | number;

export class LuaScript<Reply = unknown> {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Evaluates the script on `client`. With `buffers`, bulk replies come back
   * as Buffers (binary values) instead of strings. `onExtraRoundTrip` is
   * called when the NOSCRIPT retry costs a second round trip. Redis errors
   * are thrown (the caller's gate counts and logs them).
   */
  async run(
    client: Redis | Cluster,
    keys: readonly ScriptArg[],
    args: readonly ScriptArg[],
    options: { buffers?: boolean; onExtraRoundTrip?: () => void } = {},
  ): Promise<Reply> {
    const command = options.buffers ? 'callBuffer' : 'call';
    try {
      return (await client[command]('evalsha', this.sha, keys.length, ...keys, ...args)) as Reply;
    } catch (error) {
      if (!isNoScript(error)) throw error;
      options.onExtraRoundTrip?.();
      return (await client[command]('eval', this.lua, keys.length, ...keys, ...args)) as Reply;
    }
  }

  /**
   * Queues the script on a pipeline as EVALSHA (with `buffers`, bulk replies
   * as Buffers); see `isNoScript` for the reply to retry with `run`.
   */
  queue(
    pipeline: ChainableCommander,
    keys: readonly ScriptArg[],
    args: readonly ScriptArg[],
    options: { buffers?: boolean } = {},
  ): void {
    pipeline[options.buffers ? 'callBuffer' : 'call'](
      'evalsha',
      this.sha,
      keys.length,
      ...keys,
      ...args,
    );
  }
}

/** Whether Redis answered NOSCRIPT (the script is not loaded there: retry with `run`). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
