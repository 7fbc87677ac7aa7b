/**
 * Redis loses data or connections without going down: FLUSHALL, and the
 * invalidation bus's subscriber killed (CLIENT KILL TYPE pubsub), while
 * writes go on through both instances and by psql.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultWorld, openWorld, runFault, sleep } from './fault-world.js';

let world: FaultWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Redis flushed or its subscribers cut', () => {
  it('FLUSHALL during writes: no stale read after', { timeout: 60_000 }, async () => {
    world = await openWorld();
    const redis = world.redis;
    let second: Promise<unknown> | undefined;
    const outcome = await runFault(world, {
      begin: async () => {
        await redis.command('FLUSHALL');
        // Flush again mid-way, while writes are going on.
        second = sleep(1000).then(() => redis.command('FLUSHALL'));
      },
      end: async () => void (await second),
      durationMs: 2000,
    });
    console.log(`fault flushall: ${JSON.stringify(outcome)}`);
    expect(outcome.writes.acknowledged).toBe(20);
    expect(outcome.during.errors).toBe(0);
    expect(outcome.consistency.stale).toBe(0);
  });

  it(
    'the subscribers killed (CLIENT KILL TYPE pubsub): no stale read after',
    { timeout: 60_000 },
    async () => {
      world = await openWorld();
      const redis = world.redis;
      let second: Promise<unknown> | undefined;
      const outcome = await runFault(world, {
        begin: async () => {
          await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
          second = sleep(1000).then(() => redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub'));
        },
        end: async () => void (await second),
        durationMs: 2000,
      });
      console.log(`fault client-kill-pubsub: ${JSON.stringify(outcome)}`);
      expect(outcome.writes.acknowledged).toBe(20);
      expect(outcome.during.errors).toBe(0);
      expect(outcome.consistency.stale).toBe(0);
    },
  );
});
