/**
 * Redis dies and comes back (docs/design.md promise 5): empty, with its data
 * (append-only file), or several times in a row. Writes made meanwhile,
 * through either instance or by psql, are never hidden afterwards by a
 * record L2 held from before, on any instance.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultWorld, openWorld, runFault, sleep } from './fault-world.js';

let world: FaultWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function report(name: string, outcome: object): void {
  console.log(`fault ${name}: ${JSON.stringify(outcome)}`);
}

describe('Redis killed and restarted', () => {
  it(
    'restarted empty: no stale read afterwards, and reads keep working meanwhile',
    { timeout: 60_000 },
    async () => {
      world = await openWorld();
      const redis = world.redis;
      const outcome = await runFault(world, {
        begin: () => redis.kill(),
        end: () => redis.start(),
        durationMs: 3000,
      });
      report('sigkill-empty', outcome);
      expect(outcome.writes.acknowledged).toBe(20);
      expect(outcome.during.errors).toBeLessThanOrEqual(outcome.during.requests * 0.001);
      expect(outcome.consistency.errors).toBe(0);
      expect(outcome.consistency.stale).toBe(0);
    },
  );

  it(
    'restarted with its data: records from before the outage never hide writes made during it',
    { timeout: 60_000 },
    async () => {
      world = await openWorld({ redis: { appendOnly: true } });
      const redis = world.redis;
      const outcome = await runFault(world, {
        begin: () => redis.kill(),
        end: () => redis.start(),
        durationMs: 3000,
      });
      report('sigkill-aof', outcome);
      expect(outcome.writes.acknowledged).toBe(20);
      expect(outcome.during.errors).toBeLessThanOrEqual(outcome.during.requests * 0.001);
      expect(outcome.consistency.errors).toBe(0);
      expect(outcome.consistency.stale).toBe(0);
    },
  );

  it(
    'flapping every second or so, with its data: no stale read once it is stable',
    { timeout: 60_000 },
    async () => {
      world = await openWorld({ redis: { appendOnly: true } });
      const redis = world.redis;
      let flapping: Promise<void> | undefined;
      let stop = false;
      const outcome = await runFault(world, {
        begin: () => {
          flapping = (async () => {
            while (!stop) {
              await redis.kill();
              await sleep(700);
              await redis.start();
              await sleep(900);
            }
          })();
        },
        end: async () => {
          stop = true;
          await flapping;
        },
        durationMs: 5000,
      });
      report('flapping-aof', outcome);
      expect(outcome.writes.acknowledged).toBe(20);
      expect(outcome.during.errors).toBeLessThanOrEqual(outcome.during.requests * 0.001);
      expect(outcome.consistency.errors).toBe(0);
      expect(outcome.consistency.stale).toBe(0);
    },
  );
});
