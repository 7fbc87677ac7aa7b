/**
 * The version rule (src/cache/version-rule.ts) and its Lua twin agree: over
 * generated cases, the pure functions and the real L2 scripts on real Redis
 * make the same decision for every fill, write-through, fence, collection
 * fill and bump, as test/ratelimit/redis-limiter.test.ts does for the
 * rate-limit algorithms.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptsCollectionFill,
  acceptsFence,
  acceptsFill,
  bumpedVersion,
  encodeRecord,
  l2Scripts,
} from '../../src/cache/index.js';
import { mulberry32 } from '../../src/db/seed/prng.js';
import { LuaScript } from '../../src/redis/lua-script.js';
import { REDIS_URL } from '../helpers/env.js';
import { deleteKeys } from '../helpers/redis-cleanup.js';
import { testPrefix } from '../helpers/test-app.js';

const fill = new LuaScript<number[]>(l2Scripts.FILL_ENTITIES);
const write = new LuaScript<number[]>(l2Scripts.WRITE_ENTITIES);
const fillCollections = new LuaScript<number>(l2Scripts.FILL_COLLECTIONS);
const bump = new LuaScript<number[]>(l2Scripts.BUMP_COLLECTIONS);

const EPOCH = '7';
const CASES = 200;

let redis: Redis;
const prefix = testPrefix();
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deleteKeys(REDIS_URL, prefix);
  redis.disconnect();
});

/** Generated cases: a stored version (or none) and an incoming one, from a seeded generator so a failure replays. */
function cases(seed: number): Array<{ i: number; current: number | undefined; incoming: number }> {
  const next = mulberry32(seed);
  return Array.from({ length: CASES }, (_, i) => {
    const current = next() < 0.2 ? undefined : Math.floor(next() * 5);
    return { i, current, incoming: Math.floor(next() * 5) };
  });
}

/** Stores an entity record at `version` (or nothing), under the epoch; returns the key. */
async function stored(
  name: string,
  version: number | undefined,
): Promise<{ key: string; epochKey: string }> {
  const key = `${prefix}:${name}`;
  const epochKey = `${prefix}:epoch`;
  await redis.set(epochKey, EPOCH);
  await redis.del(key);
  if (version !== undefined)
    await redis.set(key, encodeRecord(version, 0, Buffer.from('old'), Number(EPOCH)), 'PX', 60_000);
  return { key, epochKey };
}

describe('the version rule and its Lua twin', () => {
  it('agree on fills (FILL_ENTITIES)', async () => {
    for (const { i, current, incoming } of cases(1)) {
      const { key, epochKey } = await stored(`fill:${i}`, current);
      const record = encodeRecord(incoming, 0, Buffer.from('new'), Number(EPOCH));
      const out = await fill.run(redis, [epochKey, key], [EPOCH, '', 1, incoming, record, 60_000]);
      expect({ i, current, incoming, stored: out[1] === 1 }).toEqual({
        i,
        current,
        incoming,
        stored: acceptsFill(current, incoming),
      });
    }
  });

  it('agree on write-throughs and fences (WRITE_ENTITIES)', async () => {
    let fences = 0;
    for (const { i, current, incoming } of cases(2)) {
      const fence = i % 2 === 1;
      fences += fence ? 1 : 0;
      const { key, epochKey } = await stored(`write:${i}`, current);
      const record = encodeRecord(incoming, 0, Buffer.from('new'), Number(EPOCH));
      const out = await write.run(
        redis,
        [epochKey, key],
        [EPOCH, 0, incoming, record, 60_000, fence ? 1 : 0],
      );
      const expected = fence ? acceptsFence(current, incoming) : acceptsFill(current, incoming);
      expect({ i, current, incoming, fence, stored: out[1] !== 0 }).toEqual({
        i,
        current,
        incoming,
        fence,
        stored: expected,
      });
    }
    expect(fences).toBe(CASES / 2);
  });

  it('agree on collection fills and bumps (FILL_COLLECTIONS, BUMP_COLLECTIONS)', async () => {
    const epochKey = `${prefix}:epoch`;
    await redis.set(epochKey, EPOCH);
    let accepted = 0;
    for (const { i, current, incoming: expected } of cases(3)) {
      const versionKey = `${prefix}:c:${i}:v`;
      if (current === undefined) await redis.del(versionKey);
      else await redis.set(versionKey, String(current), 'PX', 60_000);
      const n = await fillCollections.run(
        redis,
        [epochKey, versionKey, `${prefix}:c:${i}`],
        [EPOCH, String(expected), 'x', 60_000],
      );
      expect({ i, current, expected, stored: n === 1 }).toEqual({
        i,
        current,
        expected,
        stored: acceptsCollectionFill(current, expected),
      });
      accepted += n;
      const [bumped] = await bump.run(redis, [versionKey], [60_000]);
      expect({ i, bumped }).toEqual({ i, bumped: bumpedVersion(current) });
    }
    // The cases must exercise both verdicts to prove anything.
    expect(accepted).toBeGreaterThan(10);
    expect(accepted).toBeLessThan(CASES - 10);
  });
});
