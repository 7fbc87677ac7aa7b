/**
 * RateLimiter against real Redis: the shared server (a random key prefix per
 * file, removed afterwards), a private redis-server where commands are
 * counted exactly, and real clients that cannot reach a server for the
 * fallbacks. Time comes from an injected clock wherever it matters.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { newRequestStats } from '../../src/observability/request-stats.js';
import { decide, type AlgorithmState } from '../../src/ratelimit/algorithms.js';
import { RateLimiter, type RateLimiterOptions } from '../../src/ratelimit/rate-limiter.js';
import type { RateLimitAlgorithm, RateLimitRule } from '../../src/ratelimit/rule.js';
import type { RedisGate } from '../../src/redis/redis-client.js';
import { REDIS_URL } from '../helpers/env.js';
import { freePort } from '../../scripts/bench/free-port.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { redisGate } from '../helpers/redis-gate.js';
import { waitFor } from '../helpers/eventually.js';

const PREFIX = `rltest-${randomBytes(6).toString('hex')}`;
const ALGORITHMS: RateLimitAlgorithm[] = ['FIXED_WINDOW', 'SLIDING_WINDOW', 'TOKEN_BUCKET'];
const gates: RedisGate[] = [];

afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await admin.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  admin.disconnect();
  for (const gate of gates) gate.client.disconnect();
});

/** A gate over a new connection, as the application builds it; waits until it is ready unless told not to. */
async function gateTo(
  url: string,
  options: { commandTimeoutMs?: number; wait?: boolean } = {},
): Promise<RedisGate> {
  const gate = redisGate(url, {
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    name: 'rltest',
  });
  gates.push(gate);
  if (options.wait !== false)
    await waitFor(() => gate.client.status === 'ready', { attempts: 200 });
  return gate;
}

function rule(
  algorithm: RateLimitAlgorithm,
  overrides: Partial<RateLimitRule> = {},
): RateLimitRule {
  const limit = overrides.limit ?? 5;
  return {
    field: `Test.${algorithm}`,
    index: 0,
    limit,
    windowMs: 60_000,
    algorithm,
    burst: limit,
    by: ['IP'],
    argument: null,
    fallback: 'LOCAL',
    ...overrides,
  };
}

function limiter(gate: RedisGate, options: Partial<RateLimiterOptions> = {}): RateLimiter {
  return new RateLimiter({ gate, prefix: PREFIX, ...options });
}

const admittedCount = (results: { allowed: boolean }[]) => results.filter((r) => r.allowed).length;

describe('admission is exact under concurrency', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: a limit of 5 admits exactly 5 of 20 concurrent consumes`, async () => {
      const l = limiter(await gateTo(REDIS_URL));
      const results = await Promise.all(
        Array.from({ length: 20 }, () => l.consume(rule(algorithm), ['ip:10.0.0.1'])),
      );
      expect(admittedCount(results)).toBe(5);
      expect(results.every((r) => r.source === 'redis')).toBe(true);
      expect(results.filter((r) => !r.allowed).every((r) => r.msBeforeNext > 0)).toBe(true);
    });

    it(`${algorithm}: two instances on two connections together admit exactly 5`, async () => {
      const a = limiter(await gateTo(REDIS_URL));
      const b = limiter(await gateTo(REDIS_URL));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).consume(rule(algorithm), ['ip:10.0.0.2']),
        ),
      );
      expect(admittedCount(results)).toBe(5);
    });
  }

  it('separate callers have separate counters', async () => {
    const l = limiter(await gateTo(REDIS_URL));
    const r = rule('FIXED_WINDOW', { limit: 1 });
    expect((await l.consume(r, ['ip:10.0.0.3'])).allowed).toBe(true);
    expect((await l.consume(r, ['ip:10.0.0.4'])).allowed).toBe(true);
    expect((await l.consume(r, ['ip:10.0.0.3'])).allowed).toBe(false);
  });
});

describe('the Lua scripts', () => {
  // A seeded generator, so a failure replays exactly.
  function random(seed: number): () => number {
    return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  }

  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: agrees with the pure algorithm on every call under an injected clock`, async () => {
      let now = 1_700_000_000_000;
      const l = limiter(await gateTo(REDIS_URL), { now: () => now });
      const r = rule(algorithm, {
        field: `Agree.${algorithm}`,
        limit: 4,
        windowMs: 1000,
        burst: algorithm === 'TOKEN_BUCKET' ? 6 : 4,
      });
      const next = random(42);
      const gaps = [0, 0, 0, 0, 1, 7, 50, 120, 333, 999, 1000, 1700, 2500];
      let state: AlgorithmState | undefined;
      let allowed = 0;
      for (let step = 0; step < 300; step++) {
        now += gaps[Math.floor(next() * gaps.length)]!;
        const cost = 1 + Math.floor(next() * 2);
        const expected = decide(algorithm, state, now, r, cost);
        state = expected.newState;
        const got = await l.consume(r, ['agree'], cost);
        expect({
          step,
          allowed: got.allowed,
          remaining: got.remaining,
          msBeforeNext: got.msBeforeNext,
        }).toEqual({
          step,
          allowed: expected.allowed,
          remaining: expected.remaining,
          msBeforeNext: expected.msBeforeNext,
        });
        expect(got.source).toBe('redis');
        if (got.allowed) allowed++;
      }
      // The walk must exercise both verdicts to prove anything.
      expect(allowed).toBeGreaterThan(30);
      expect(allowed).toBeLessThan(270);
    });
  }

  it('keys carry no user input, keep one check in one hash slot, and expire', async () => {
    const gate = await gateTo(REDIS_URL);
    const l = limiter(gate);
    const parts = ['ip:203.0.113.9', 'arg:evil*[key]{slot}\r\nFLUSHALL'];
    for (const algorithm of ALGORITHMS) {
      const r = rule(algorithm, { field: 'Mutation.login', index: 1, windowMs: 30_000 });
      const key = l.key(r, parts);
      expect(key).toMatch(new RegExp(`^${PREFIX}:rl:\\{Mutation\\.login:1:[A-Za-z0-9_-]{22}\\}$`));
      expect(key).not.toMatch(/evil|203\.0\.113/);
      await l.consume(r, parts);
      const ttl = await gate.client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    expect(l.key(rule('FIXED_WINDOW'), ['a:b', 'c'])).not.toBe(
      l.key(rule('FIXED_WINDOW'), ['a', 'b:c']),
    );
  });
});

describe('one round trip per check', () => {
  it('each check is one EVALSHA on the wire and one counted round trip', async () => {
    const server = await startRedisServer();
    try {
      const gate = await gateTo(server.url);
      const l = limiter(gate, { prefix: 'rt' });
      const sent: string[] = [];
      const send = gate.client.sendCommand.bind(gate.client);
      gate.client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
        sent.push(command.name);
        return (send as (...a: unknown[]) => unknown)(command, ...rest);
      }) as typeof gate.client.sendCommand;

      // A fresh server knows no scripts: the first check of each pays EVALSHA, NOSCRIPT, EVAL.
      const first = newRequestStats();
      await l.consume(rule('SLIDING_WINDOW'), ['warm'], 1, first);
      expect(sent).toEqual(['evalsha', 'eval']);
      expect(first.redisRoundTrips).toBe(2);
      for (const algorithm of ALGORITHMS) await l.consume(rule(algorithm), ['warm']);

      sent.length = 0;
      const before = await scriptCalls(server.url);
      const stats = newRequestStats();
      for (let i = 0; i < 10; i++)
        for (const algorithm of ALGORITHMS) await l.consume(rule(algorithm), [`ip:${i}`], 1, stats);
      const after = await scriptCalls(server.url);
      expect(sent).toEqual(Array(30).fill('evalsha'));
      expect(stats.redisRoundTrips).toBe(30);
      expect(after.evalsha - before.evalsha).toBe(30);
      expect(after.eval - before.eval).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

/** EVALSHA and EVAL calls the server has counted (INFO commandstats). */
async function scriptCalls(url: string): Promise<{ evalsha: number; eval: number }> {
  const client = new Redis(url);
  const info = await client.info('commandstats');
  client.disconnect();
  const calls = (name: string) =>
    Number(info.match(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm'))?.[1] ?? 0);
  return { evalsha: calls('evalsha'), eval: calls('eval') };
}

describe('when Redis is unavailable', () => {
  async function unreachable(): Promise<RedisGate> {
    // A port nothing listens on: the client never becomes ready.
    return gateTo(`redis://127.0.0.1:${await freePort()}`, { commandTimeoutMs: 100, wait: false });
  }

  it('LOCAL limits in process with the same algorithm, and every fallback is reported', async () => {
    const registry = new Registry();
    const reported: string[] = [];
    const l = limiter(await unreachable(), {
      now: () => 0,
      registry,
      onFallback: (r, mode) => reported.push(`${r.field}:${mode}`),
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        l.consume(rule('SLIDING_WINDOW', { field: 'Q.local' }), ['ip:1']),
      ),
    );
    expect(results.map((r) => [r.allowed, r.source])).toEqual([
      ...Array(5).fill([true, 'local']),
      ...Array(3).fill([false, 'local']),
    ]);
    expect(reported).toEqual(Array(8).fill('Q.local:local'));
    const metric = await registry.getSingleMetric('rate_limit_fallbacks_total')!.get();
    expect(metric.values).toEqual([{ value: 8, labels: { field: 'Q.local', mode: 'local' } }]);
  });

  it('CLOSED refuses every call with a retry of one window, and is reported', async () => {
    const reported: string[] = [];
    const l = limiter(await unreachable(), {
      onFallback: (r, mode) => reported.push(`${r.field}:${mode}`),
    });
    const result = await l.consume(
      rule('FIXED_WINDOW', { field: 'Mutation.login', fallback: 'CLOSED', windowMs: 300_000 }),
      ['ip:1'],
    );
    expect(result).toEqual({
      allowed: false,
      remaining: 0,
      msBeforeNext: 300_000,
      source: 'closed',
    });
    expect(reported).toEqual(['Mutation.login:closed']);
  });

  it('a connection that was closed falls back the same way', async () => {
    const gate = await gateTo(REDIS_URL);
    const l = limiter(gate, { now: () => 0 });
    const r = rule('TOKEN_BUCKET', { field: 'Q.closed', limit: 2 });
    expect((await l.consume(r, ['ip:1'])).source).toBe('redis');
    gate.client.disconnect();
    const results = await Promise.all([1, 2, 3].map(() => l.consume(r, ['ip:1'])));
    expect(results.map((x) => [x.allowed, x.source])).toEqual([
      [true, 'local'],
      [true, 'local'],
      [false, 'local'],
    ]);
  });

  it('a Redis that stops answering costs at most its command timeout, then the breaker skips it', async () => {
    const server = await startRedisServer();
    try {
      const gate = await gateTo(server.url, { commandTimeoutMs: 100 });
      const l = limiter(gate, { prefix: 'paused' });
      const r = rule('FIXED_WINDOW', { limit: 3 });
      expect((await l.consume(r, ['ip:1'])).source).toBe('redis');
      server.pause();
      const results: string[] = [];
      for (let i = 0; i < 6; i++) results.push((await l.consume(r, ['ip:1'])).source);
      expect(results).toEqual(Array(6).fill('local'));
      // Three timed-out calls open the breaker; the rest do not wait on Redis at all.
      expect(gate.breaker.state).toBe('open');
    } finally {
      server.resume();
      await server.stop();
    }
  });

  it('the local fallback keeps a bounded number of counters', async () => {
    const l = limiter(await unreachable(), { now: () => 0, localMaxKeys: 2 });
    const r = rule('FIXED_WINDOW', { limit: 1 });
    expect((await l.consume(r, ['ip:a'])).allowed).toBe(true);
    expect((await l.consume(r, ['ip:b'])).allowed).toBe(true);
    expect((await l.consume(r, ['ip:c'])).allowed).toBe(true);
    // ip:a was the least recently used of three counters in room for two: forgotten, so admitted again.
    expect((await l.consume(r, ['ip:a'])).allowed).toBe(true);
    expect((await l.consume(r, ['ip:a'])).allowed).toBe(false);
  });
});
