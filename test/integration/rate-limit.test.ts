/**
 * Promise 8 against real Redis: a limit of 5 admits exactly 5 under aliases,
 * concurrency and two instances; the Lua scripts agree with the pure
 * algorithms under an injected clock; without Redis the fallbacks apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse } from 'graphql';
import { RateLimitedError } from '../../src/errors/app-error.js';
import { applyRateLimitDirective } from '../../src/graphql/directives/rate-limit.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { fixedWindow, slidingWindow, tokenBucket } from '../../src/ratelimit/algorithms.js';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import type { RateLimitRule } from '../../src/ratelimit/rule.js';
import { createRedisClient, RedisGate } from '../../src/redis/redis-client.js';
import { REDIS_URL } from '../helpers/env.js';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
const apps: TestApp[] = [];

beforeAll(async () => {
  db = await createFixtureDatabase();
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await db.drop();
});

async function app(prefix?: string): Promise<TestApp> {
  // bcrypt runs on the event loop; under 20 concurrent logins its stalls would
  // count against a tight Redis timeout and move checks to the local fallback.
  // A clock fixed mid-window, so a test never straddles a window edge.
  const a = await startTestApp({ databaseUrl: db.url, prefix, env: { REDIS_COMMAND_TIMEOUT_MS: '3000' }, now: () => 1_800_000_150_000 });
  apps.push(a);
  return a;
}

function codes(res: GraphQLResponse): string[] {
  return (res.body.errors ?? []).map((e) => String(e.extensions?.code));
}

// login is limited to 5 per 300 s per email (FIXED_WINDOW) and 10 per 60 s per IP.
const login = (alias: string, email: string) => `${alias}: login(email: "${email}", password: "wrong") { token }`;

describe('@rateLimit admits exactly its limit', () => {
  it('20 concurrent requests: 5 admitted; refused requests get HTTP 429 and Retry-After', async () => {
    const t = await app();
    const results = await Promise.all(Array.from({ length: 20 }, () => t.query(`mutation { ${login('x', 'concurrent@test.local')} }`)));
    expect(results.filter((r) => codes(r)[0] === 'UNAUTHENTICATED')).toHaveLength(5);
    const refused = results.filter((r) => codes(r)[0] === 'RATE_LIMITED');
    expect(refused).toHaveLength(15);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('two instances together admit 5', async () => {
    const a = await app();
    const b = await app(a.prefix);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).query(`mutation { ${login('x', 'two@test.local')} }`)));
    expect(results.filter((r) => codes(r)[0] === 'UNAUTHENTICATED')).toHaveLength(5);
  });
});

describe('every execution counts', () => {
  it('10 aliases of a field limited to 5 in one operation: 5 resolve, 5 are refused with a retry time', async () => {
    const gate = new RedisGate(createRedisClient({ url: REDIS_URL, commandTimeoutMs: 500, name: 'rl-alias' }));
    for (let i = 0; i < 100 && !gate.available; i++) await new Promise((r) => setTimeout(r, 10));
    const limiter = new RateLimiter({ gate, prefix: `alias${Date.now()}` });
    const schema = applyRateLimitDirective<{ ip: string }>(
      makeExecutableSchema({
        typeDefs: [...loadTypeDefs().filter((sdl) => sdl.includes('directive @rateLimit')), 'type Query { limited: Int @rateLimit(limit: 5, window: 60) }'],
        resolvers: { Query: { limited: () => 1 } },
      }),
      { limiter, identify: (ctx) => ({ ip: ctx.ip, userId: null }) },
    );
    const document = parse(`{ ${Array.from({ length: 10 }, (_, i) => `a${i}: limited`).join(' ')} }`);
    const result = await execute({ schema, document, contextValue: { ip: '10.0.0.1' } });
    expect(Object.values(result.data ?? {}).filter((v) => v === 1)).toHaveLength(5);
    const refused = (result.errors ?? []).map((e) => e.originalError);
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).extensions.retryAfter).toBeGreaterThanOrEqual(1);
    }
    gate.client.disconnect();
  });
});

describe('Lua scripts', () => {
  const rule = (algorithm: RateLimitRule['algorithm'], limit: number, windowMs: number, burst = limit): RateLimitRule => ({
    field: 'Test.field',
    index: 0,
    limit,
    windowMs,
    algorithm,
    burst,
    by: ['IP'],
    argument: null,
    fallback: 'LOCAL',
  });

  it('agree with the pure algorithms under an injected clock, one round trip each', async () => {
    let now = 1_000_000_000_000;
    const gate = new RedisGate(createRedisClient({ url: REDIS_URL, commandTimeoutMs: 500, name: 'rl-test' }));
    for (let i = 0; i < 100 && !gate.available; i++) await new Promise((r) => setTimeout(r, 10));
    const limiter = new RateLimiter({ gate, prefix: `rl${Date.now()}`, now: () => now });
    const pure = {
      FIXED_WINDOW: (s: never, t: number) => fixedWindow(s, t, 3, 1000),
      SLIDING_WINDOW: (s: never, t: number) => slidingWindow(s, t, 3, 1000),
      TOKEN_BUCKET: (s: never, t: number) => tokenBucket(s, t, 3, 1000, 5),
    };
    const steps = [0, 10, 20, 30, 40, 333, 700, 999, 1000, 1001, 1400, 1800, 2500, 4100, 4100, 4100];
    for (const algorithm of ['FIXED_WINDOW', 'SLIDING_WINDOW', 'TOKEN_BUCKET'] as const) {
      const r = rule(algorithm, 3, 1000, 5);
      let state: never = undefined as never;
      const start = now;
      for (const offset of steps) {
        now = start + offset;
        const expected = pure[algorithm](state, now);
        state = expected.state as never;
        const got = await limiter.consume(r, [algorithm]);
        expect({ algorithm, offset, allowed: got.allowed, ms: got.msBeforeNext }).toEqual({ algorithm, offset, allowed: expected.allowed, ms: expected.msBeforeNext });
        expect(got.source).toBe('redis');
      }
    }
    gate.client.disconnect();
  });
});

describe('when Redis is down', () => {
  it('LOCAL limits in process and CLOSED refuses, and both are reported', async () => {
    const redis = await startRedisServer();
    await redis.stop();
    const gate = new RedisGate(createRedisClient({ url: redis.url, commandTimeoutMs: 100, name: 'rl-down' }));
    const fallbacks: string[] = [];
    const limiter = new RateLimiter({ gate, prefix: 'down', now: () => 0, onFallback: (r, mode) => fallbacks.push(`${r.field}:${mode}`) });
    const base = { field: 'Q.f', index: 0, limit: 2, windowMs: 1000, algorithm: 'FIXED_WINDOW' as const, burst: 2, by: ['IP' as const], argument: null };
    const local = await Promise.all([1, 2, 3].map(() => limiter.consume({ ...base, fallback: 'LOCAL' }, ['k'])));
    expect(local.map((r) => [r.allowed, r.source])).toEqual([[true, 'local'], [true, 'local'], [false, 'local']]);
    const closed = await limiter.consume({ ...base, field: 'Q.g', fallback: 'CLOSED' }, ['k']);
    expect(closed).toMatchObject({ allowed: false, source: 'closed' });
    expect(fallbacks).toEqual(['Q.f:local', 'Q.f:local', 'Q.f:local', 'Q.g:closed']);
    gate.client.disconnect();
  });
});
