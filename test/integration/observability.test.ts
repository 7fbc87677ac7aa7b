/**
 * What an operator sees: probes, one log line per request with its id and
 * operation, Prometheus metrics that move with traffic (prefixed, labelled by
 * route, method and a bounded operation name), and bearer tokens that do not
 * verify refused with UNAUTHENTICATED instead of passing as anonymous.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createApp } from '../../src/server/app.js';
import { createHttpServer } from '../../src/server/http.js';
import { Lifecycle } from '../../src/server/lifecycle.js';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { captureLog, type CapturedLog } from '../helpers/log-capture.js';
import { startWireCounter } from '../helpers/pg-wire-counter.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';
import { waitFor } from '../helpers/eventually.js';

let db: TestDatabase;
let redis: RedisServer;
let log: CapturedLog;
let t: TestApp;

beforeAll(async () => {
  [db, redis] = await Promise.all([createFixtureDatabase(), startRedisServer()]);
  log = captureLog('info');
  t = await startTestApp({
    databaseUrl: db.url,
    env: { REDIS_URL: redis.url, METRICS_MAX_OPERATIONS: '3' },
    logger: log.logger,
  });
});

afterAll(async () => {
  await t?.close();
  await redis?.stop();
  await db?.drop();
});

const base = () => t.url.replace('/graphql', '');

async function scrape(): Promise<string> {
  return (await fetch(`${base()}/metrics`)).text();
}

/** The value of one sample, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z0-9_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

describe('metrics', () => {
  it('queries move per-operation counts, latency, errors by code, HTTP counts by route and method; /metrics does not count itself', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++)
      await t.query(
        'query ProductPage { products(first: 2) { totalCount edges { node { id name } } } }',
      );
    await t.query('query BadId { product(id: "x") { id } }');
    const after = await scrape();
    // A document is compiled once (GRAPHQL_JIT_AFTER=1), however often it runs.
    const compiled = (text: string) =>
      sample(text, 'catalog_graphql_jit_compilations_total', { outcome: 'compiled' });
    for (let i = 0; i < 3; i++) await t.query('query JitOnce { categories { id } }');
    expect(compiled(await scrape()) - compiled(after)).toBe(1);
    const again = await scrape();

    expect(
      sample(after, 'catalog_graphql_operations_total', {
        operation: 'ProductPage',
        type: 'query',
      }) -
        sample(before, 'catalog_graphql_operations_total', {
          operation: 'ProductPage',
          type: 'query',
        }),
    ).toBe(3);
    expect(
      sample(after, 'catalog_graphql_operation_duration_seconds_count', {
        operation: 'ProductPage',
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(after, 'catalog_graphql_errors_total', { operation: 'BadId', code: 'BAD_USER_INPUT' }),
    ).toBe(1);
    const posts = (text: string) =>
      sample(text, 'catalog_http_requests_total', {
        method: 'POST',
        route: '/graphql',
        status: '200',
      });
    expect(posts(after) - posts(before)).toBe(4);
    expect(
      sample(after, 'catalog_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/graphql',
      }),
    ).toBeGreaterThanOrEqual(4);
    expect(again).not.toMatch(/route="\/metrics"/);
    expect(sample(again, 'catalog_http_requests_total', { method: 'GET', route: 'other' })).toBe(0);
    expect(sample(after, 'catalog_cache_l1_entries')).toBeGreaterThan(0);
    expect(sample(after, 'catalog_cache_l1_bytes')).toBeGreaterThan(0);
    expect(sample(after, 'catalog_db_pool_connections', { state: 'max' })).toBe(4);
    expect(sample(after, 'catalog_db_statements_total')).toBeGreaterThan(0);
    expect(sample(after, 'catalog_redis_up')).toBe(1);
    expect(sample(after, 'catalog_redis_breaker_open')).toBe(0);
  });

  it('operation names are bounded: past METRICS_MAX_OPERATIONS, new names count as "other"', async () => {
    for (let i = 0; i < 6; i++) await t.query(`query Random${i} { categories { id } }`);
    const text = await scrape();
    const names = new Set(
      [...text.matchAll(/^catalog_graphql_operations_total\{operation="([^"]+)"/gm)].map(
        (m) => m[1],
      ),
    );
    expect(names.size).toBeLessThanOrEqual(4);
    expect(
      sample(text, 'catalog_graphql_operations_total', { operation: 'other', type: 'query' }),
    ).toBeGreaterThanOrEqual(5);
  });

  it('rate-limit refusals are counted by field', async () => {
    const login = 'mutation { login(email: "nobody@test.local", password: "x") { token } }';
    for (let i = 0; i < 6; i++) await t.query(login);
    expect(
      sample(await scrape(), 'catalog_rate_limit_refusals_total', { field: 'Mutation.login' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('redis_up reads 0 and redis_breaker_open 1 while Redis is down', async () => {
    await redis.stop();
    try {
      await t.query('{ product(id: "1") { id } }');
      const text = await scrape();
      expect(sample(text, 'catalog_redis_up')).toBe(0);
      expect(sample(text, 'catalog_redis_breaker_open')).toBe(1);
    } finally {
      await redis.start();
    }
    await waitFor(() => t.app.redis.available, { intervalMs: 50 });
    expect(sample(await scrape(), 'catalog_redis_up')).toBe(1);
  });
});

describe('request logs', () => {
  it('one line per request with its id (accepted from x-request-id), operation, status and duration; the id is echoed', async () => {
    const res = await t.query(
      'query NamedForLog { categories { id } }',
      {},
      { 'x-request-id': 'req-abc.123' },
    );
    expect(res.headers.get('x-request-id')).toBe('req-abc.123');
    const lines = log.lines.filter((l) => l.requestId === 'req-abc.123');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      operation: 'NamedForLog',
      res: { status: 200 },
      req: { method: 'POST', path: '/graphql' },
    });
    expect(lines[0]!.responseTime).toEqual(expect.any(Number));
    expect(JSON.stringify(lines[0])).not.toMatch(/authorization|x-debug-stats/i);
  });

  it('an insane x-request-id is replaced by a generated one', async () => {
    const res = await t.query(
      '{ categories { id } }',
      {},
      { 'x-request-id': 'bad id with spaces' },
    );
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a masked internal error carries the request id, and the logged stack has the same id', async () => {
    await sql(db.url, 'ALTER TABLE "Order" RENAME TO "OrderGone"');
    try {
      const prod = await startTestApp({
        databaseUrl: db.url,
        env: { REDIS_URL: redis.url, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) },
        logger: log.logger,
      });
      try {
        const auth = {
          authorization: `Bearer ${await prod.app.tokens.sign({ id: 2, role: 'CUSTOMER' })}`,
        };
        const res = await prod.query(
          '{ me { orders { id } } }',
          {},
          { ...auth, 'x-request-id': 'masked-1' },
        );
        const error = res.body.errors?.[0];
        expect(error).toMatchObject({
          message: 'Internal server error',
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'masked-1' },
        });
        const logged = log.lines.find(
          (l) => l.requestId === 'masked-1' && l.msg === 'internal error while resolving',
        );
        expect((logged?.err as { stack?: string } | undefined)?.stack).toMatch(
          /OrderGone|Order|does not exist/,
        );
      } finally {
        await prod.close();
      }
    } finally {
      await sql(db.url, 'ALTER TABLE "OrderGone" RENAME TO "Order"');
    }
  });
});

describe('probes', () => {
  it('/livez and /readyz answer 200 when PostgreSQL answers, with the Redis state', async () => {
    expect((await fetch(`${base()}/livez`)).status).toBe(200);
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      database: true,
      redis: true,
      breaker: 'closed',
      draining: false,
    });
    expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  });

  it('/readyz is 503 while PostgreSQL is unreachable and while draining; /livez stays 200', async () => {
    const proxy = await startWireCounter(db.url);
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: proxy.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
      CACHE_PREFIX: t.prefix,
    });
    const app = await createApp(config);
    const lifecycle = new Lifecycle();
    const server = createHttpServer(app, { lifecycle });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      await proxy.close();
      const down = await fetch(`${url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'not ready', database: false });
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      lifecycle.beginDrain();
      const draining = await fetch(`${url}/readyz`);
      expect(draining.status).toBe(503);
      expect(draining.headers.get('connection')).toBe('close');
      expect(await draining.json()).toMatchObject({ draining: true });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    }
  });
});

describe('bearer tokens', () => {
  const ME = '{ me { id } }';

  it('a missing token is anonymous', async () => {
    const res = await t.query(ME);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: null });
  });

  it('a forged token is refused with UNAUTHENTICATED and HTTP 401, not served as anonymous', async () => {
    const forged = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    const res = await t.query(ME, {}, { authorization: `Bearer ${forged}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
  });

  it('an expired token and a malformed Authorization header are refused the same way', async () => {
    const secret = new TextEncoder().encode(t.app.config.auth.jwtSecret);
    const expired = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('2')
      .setIssuedAt(1_000)
      .setExpirationTime(2_000)
      .sign(secret);
    for (const authorization of [`Bearer ${expired}`, 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const res = await t.query(ME, {}, { authorization });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
