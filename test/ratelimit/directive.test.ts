/**
 * `@rateLimit` on a small executable schema, executed with graphql's
 * `execute` against the real Redis (a random key prefix, removed afterwards).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, type ExecutionResult, type GraphQLSchema, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/errors/app-error.js';
import {
  applyRateLimitDirective,
  type CallerIdentity,
} from '../../src/graphql/directives/rate-limit.js';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import type { RedisGate } from '../../src/redis/redis-client.js';
import { REDIS_URL } from '../helpers/env.js';
import { redisGate } from '../helpers/redis-gate.js';
import { waitFor } from '../helpers/eventually.js';

const PREFIX = `rltest-${randomBytes(6).toString('hex')}`;
const DIRECTIVES = readFileSync(
  new URL('../../schema/directives.graphql', import.meta.url),
  'utf8',
);

let gate: RedisGate;
let limiter: RateLimiter;

beforeAll(async () => {
  gate = redisGate(REDIS_URL, { commandTimeoutMs: 2000, name: 'rltest-directive' });
  await waitFor(() => gate.client.status === 'ready', { attempts: 200 });
  limiter = new RateLimiter({ gate, prefix: PREFIX });
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await gate.client.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await gate.client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  gate.client.disconnect();
});

/** The context type is the test's own: the directive only sees it through `identify`. */
interface TestContext {
  caller: CallerIdentity;
}

/** A Query type with `fields`; each test names its field apart, so counters of different tests never meet. */
function schemaWith(fields: string): GraphQLSchema {
  const base = makeExecutableSchema({ typeDefs: [DIRECTIVES, `type Query { ${fields} }`] });
  return applyRateLimitDirective<TestContext>(base, { limiter, identify: (ctx) => ctx.caller });
}

/** Every root field resolves to 1 (through the default resolver). */
const ROOT = new Proxy({}, { get: () => 1 });

const anonymous = (ip: string): TestContext => ({ caller: { ip, userId: null } });
const user = (id: number, ip = '10.9.9.9'): TestContext => ({ caller: { ip, userId: id } });

async function run(
  schema: GraphQLSchema,
  query: string,
  context: TestContext,
): Promise<ExecutionResult> {
  return (await execute({
    schema,
    document: parse(query),
    rootValue: ROOT,
    contextValue: context,
  })) as ExecutionResult;
}

const resolved = (result: ExecutionResult) =>
  Object.values(result.data ?? {}).filter((v) => v === 1).length;
const refusals = (result: ExecutionResult) =>
  (result.errors ?? []).map((e) => e.originalError as RateLimitedError);

describe('every execution counts', () => {
  it('10 aliases of a field limited to 5 in one operation: 5 resolve, 5 are RATE_LIMITED with retryAfter', async () => {
    const schema = schemaWith('aliased: Int @rateLimit(limit: 5, window: 60)');
    const result = await run(
      schema,
      `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: aliased`).join(' ')} }`,
      anonymous('10.0.0.1'),
    );
    expect(resolved(result)).toBe(5);
    const refused = refusals(result);
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.message).toContain('Query.aliased');
      expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
      // A sliding window full at a window's end still counts 5 at the start of
      // the next, weighted down over time: the next admission can be up to
      // 1.2 windows away here, never more than two.
      expect(error.extensions.retryAfter).toBeLessThanOrEqual(120);
      expect(Number.isInteger(error.extensions.retryAfter)).toBe(true);
    }
  });

  it('several operations share one counter: 4 operations of 2 calls against a limit of 5 admit 5', async () => {
    const schema = schemaWith(
      'batched: Int @rateLimit(limit: 5, window: 60, algorithm: FIXED_WINDOW)',
    );
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(schema, '{ a: batched b: batched }', anonymous('10.0.0.2')),
      ),
    );
    expect(results.reduce((n, r) => n + resolved(r), 0)).toBe(5);
  });

  it('repeatable: each rule is checked, and the tighter one refuses', async () => {
    const schema = schemaWith(
      'twice(email: String): Int @rateLimit(limit: 10, window: 60) @rateLimit(limit: 2, window: 60, by: [ARGUMENT], argument: "email")',
    );
    const result = await run(
      schema,
      '{ a: twice(email: "x@y.z") b: twice(email: "x@y.z") c: twice(email: "x@y.z") d: twice(email: "other@y.z") }',
      anonymous('10.0.0.3'),
    );
    expect(result.data).toEqual({ a: 1, b: 1, c: null, d: 1 });
  });
});

describe('what a counter is keyed by', () => {
  it('USER keys signed-in callers by user, wherever they call from', async () => {
    const schema = schemaWith('mine: Int @rateLimit(limit: 1, window: 60, by: [USER])');
    expect(resolved(await run(schema, '{ mine }', user(1, '10.1.0.1')))).toBe(1);
    expect(resolved(await run(schema, '{ mine }', user(1, '10.1.0.2')))).toBe(0);
    expect(resolved(await run(schema, '{ mine }', user(2, '10.1.0.1')))).toBe(1);
  });

  it('USER falls back to the IP for anonymous callers', async () => {
    const schema = schemaWith('anon: Int @rateLimit(limit: 1, window: 60, by: [USER])');
    expect(resolved(await run(schema, '{ anon }', anonymous('10.2.0.1')))).toBe(1);
    expect(resolved(await run(schema, '{ anon }', anonymous('10.2.0.1')))).toBe(0);
    expect(resolved(await run(schema, '{ anon }', anonymous('10.2.0.2')))).toBe(1);
  });

  it('ARGUMENT keys by the argument value across IPs, ignoring case and surrounding spaces', async () => {
    const schema = schemaWith(
      'login(email: String!): Int @rateLimit(limit: 2, window: 60, by: [ARGUMENT], argument: "email", fallback: CLOSED)',
    );
    const call = (email: string, ip: string) =>
      run(schema, `{ login(email: ${JSON.stringify(email)}) }`, anonymous(ip));
    expect(resolved(await call('Bob@Example.com', '10.3.0.1'))).toBe(1);
    expect(resolved(await call(' bob@example.com ', '10.3.0.2'))).toBe(1);
    expect(refusals(await call('bob@example.com', '10.3.0.3'))[0]).toBeInstanceOf(RateLimitedError);
    expect(resolved(await call('alice@example.com', '10.3.0.3'))).toBe(1);
  });

  it('ARGUMENT also reads the value from variables', async () => {
    const schema = schemaWith(
      'byVar(id: ID): Int @rateLimit(limit: 1, window: 60, by: [ARGUMENT], argument: "id")',
    );
    const document = parse('query($id: ID) { byVar(id: $id) }');
    const exec = (id: string) =>
      execute({
        schema,
        document,
        rootValue: ROOT,
        variableValues: { id },
        contextValue: anonymous('10.4.0.1'),
      }) as Promise<ExecutionResult>;
    expect(resolved(await exec('p1'))).toBe(1);
    expect(resolved(await exec('p1'))).toBe(0);
    expect(resolved(await exec('p2'))).toBe(1);
  });

  it('limits fields of any object type, not only root fields', async () => {
    const schema = applyRateLimitDirective<TestContext>(
      makeExecutableSchema({
        typeDefs: [
          DIRECTIVES,
          'type Query { items: [Item!]! }',
          'type Item { price: Int @rateLimit(limit: 3, window: 60) }',
        ],
        resolvers: { Query: { items: () => [{}, {}, {}, {}, {}] }, Item: { price: () => 1 } },
      }),
      { limiter, identify: (ctx) => ctx.caller },
    );
    const result = await run(schema, '{ items { price } }', anonymous('10.5.0.1'));
    // Each list item is one execution: 3 admitted, the other 2 refused (null, with an error each).
    expect((result.data?.items as { price: number | null }[]).map((i) => i.price)).toEqual([
      1,
      1,
      1,
      null,
      null,
    ]);
    expect(refusals(result)).toHaveLength(2);
  });
});

describe('directive arguments are checked when the schema is built', () => {
  const cases: [string, string, RegExp][] = [
    ['limit below 1', 'f: Int @rateLimit(limit: 0, window: 60)', /Query\.f.*"limit"/],
    ['window above a day', 'f: Int @rateLimit(limit: 1, window: 90000)', /Query\.f.*"window"/],
    [
      'ARGUMENT without argument',
      'f(email: String): Int @rateLimit(limit: 1, window: 60, by: [ARGUMENT])',
      /Query\.f.*"argument" is required/,
    ],
    [
      'an argument the field lacks',
      'f(email: String): Int @rateLimit(limit: 1, window: 60, by: [ARGUMENT], argument: "mail")',
      /Query\.f.*"argument".*email.*"mail"/,
    ],
    [
      'a non-string argument',
      'f(n: Int): Int @rateLimit(limit: 1, window: 60, by: [ARGUMENT], argument: "n")',
      /Query\.f.*"argument".*String or ID/,
    ],
    [
      'argument without ARGUMENT in by',
      'f(email: String): Int @rateLimit(limit: 1, window: 60, argument: "email")',
      /Query\.f.*"argument".*by does not include ARGUMENT/,
    ],
    [
      'burst on a window algorithm',
      'f: Int @rateLimit(limit: 1, window: 60, burst: 5)',
      /Query\.f.*"burst".*TOKEN_BUCKET/,
    ],
    ['an empty by', 'f: Int @rateLimit(limit: 1, window: 60, by: [])', /Query\.f.*"by"/],
  ];
  for (const [name, field, message] of cases) {
    it(`refuses ${name}, naming the field and the argument`, () => {
      expect(() => schemaWith(field)).toThrow(message);
    });
  }

  it('accepts every use in the application schema', () => {
    const dir = new URL('../../schema/', import.meta.url);
    const sdl = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'));
    expect(sdl.join('\n')).toContain('@rateLimit(');
    const base = makeExecutableSchema({ typeDefs: sdl });
    expect(() =>
      applyRateLimitDirective(base, { limiter, identify: () => ({ ip: '', userId: null }) }),
    ).not.toThrow();
  });
});
