/**
 * Redis stops answering without going away: paused past the command timeout
 * (SIGSTOP), or cut off from one instance only while the other keeps using
 * it. Commands sent meanwhile may still run when it resumes; none of them,
 * and no record from before, may hide a write made during the stall.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { type FaultWorld, openWorld, runFault } from './fault-world.js';

let world: FaultWorld | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await world?.close();
  await proxy?.close();
  world = proxy = undefined;
});

describe('Redis stalled', () => {
  it(
    'paused past the command timeout: answers within the timeout meanwhile, and no stale read after',
    { timeout: 60_000 },
    async () => {
      world = await openWorld();
      const redis = world.redis;
      const outcome = await runFault(world, {
        begin: () => redis.pause(),
        end: () => redis.resume(),
        durationMs: 3000,
      });
      console.log(`fault sigstop: ${JSON.stringify(outcome)}`);
      expect(outcome.writes.acknowledged).toBe(20);
      expect(outcome.during.errors).toBeLessThanOrEqual(outcome.during.requests * 0.001);
      expect(outcome.consistency.errors).toBe(0);
      expect(outcome.consistency.stale).toBe(0);
    },
  );

  it(
    'cut off from one instance only: its writes and everyone else’s stay visible after',
    { timeout: 60_000 },
    async () => {
      world = await openWorld();
      // A third instance whose only way to Redis is a proxy that can stall.
      proxy = await startTcpProxy('127.0.0.1', world.redis.port);
      const { startTestApp } = await import('../helpers/test-app.js');
      const cutOff = await startTestApp({
        databaseUrl: world.appDatabaseUrl,
        env: { ...world.env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
        prefix: world.prefix,
      });
      world.instances.push(cutOff);
      const p = proxy;
      const outcome = await runFault(world, {
        begin: () => p.hold(),
        end: () => p.release(),
        durationMs: 3000,
      });
      await cutOff.close();
      console.log(`fault partition-one-instance: ${JSON.stringify(outcome)}`);
      expect(outcome.writes.acknowledged).toBe(20);
      expect(outcome.during.errors).toBeLessThanOrEqual(outcome.during.requests * 0.001);
      expect(outcome.consistency.errors).toBe(0);
      expect(outcome.consistency.stale).toBe(0);
    },
  );
});
