/**
 * Runs a rate-limit Lua script in one round trip: EVALSHA, and EVAL only when
 * Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH), which also loads
 * the script again. The client is not modified (no defineCommand), so any
 * number of limiters can share the application's connection.
 */
import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis/redis-client.js';

/** The reply of every rate-limit script: allowed (0|1), remaining, msBeforeNext. */
export type ScriptReply = [allowed: number, remaining: number, msBeforeNext: number];

export class RedisScript {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Evaluates the script on `client`. `onExtraRoundTrip` is called when the
   * NOSCRIPT retry costs a second round trip. Redis errors are thrown.
   */
  async run(client: RedisConnection, keys: readonly string[], args: readonly (string | number)[], onExtraRoundTrip?: () => void): Promise<ScriptReply> {
    try {
      return (await client.evalsha(this.sha, keys.length, ...keys, ...args)) as ScriptReply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      onExtraRoundTrip?.();
      return (await client.eval(this.lua, keys.length, ...keys, ...args)) as ScriptReply;
    }
  }
}
