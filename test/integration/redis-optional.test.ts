/**
 * Redis is optional for real: in development every operation works without
 * it (login included, its rate limits counted locally), and the fallback is
 * logged once per outage, not per request. A Redis that is merely slow
 * (SIGSTOPped: connected, not answering) never locks anyone out of login,
 * even in production; a Redis that is down keeps login closed in production
 * by default (RATE_LIMIT_FALLBACK=directive), as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, CUSTOMER, createFixtureDatabase } from '../helpers/fixture.js';
import { freePort } from '../../scripts/bench/free-port.js';
import { captureLog } from '../helpers/log-capture.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { signIn, startTestApp } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createFixtureDatabase();
});

afterAll(async () => {
  await db.drop();
});

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';

describe('without Redis', () => {
  it('development: login, signed-in queries and public reads all work, and the rate-limit fallback is logged once', async () => {
    const log = captureLog('info');
    const t = await startTestApp({
      databaseUrl: db.url,
      env: { NODE_ENV: 'development', REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
      waitForRedis: false,
      logger: log.logger,
    });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await t.query<{ login: { token: string } }>(LOGIN, {
          e: CUSTOMER.email,
          p: CUSTOMER.password,
        });
        expect(res.status).toBe(200);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data!.login.token).toMatch(/\./);
      }
      const auth = await signIn(t, ADMIN.email, ADMIN.password);
      const me = await t.query<{ me: { email: string } }>('{ me { email } }', {}, auth);
      expect(me.body.data!.me.email).toBe(ADMIN.email);
      for (let i = 0; i < 5; i++) {
        const page = await t.query<{ products: { totalCount: number } }>(
          '{ products(first: 3) { totalCount } }',
        );
        expect(page.body.data!.products.totalCount).toBe(60);
      }
      const fallbackLines = log.lines.filter((l) => String(l.msg).includes('rate-limit checks'));
      expect(fallbackLines).toHaveLength(1);
      expect(fallbackLines[0]).toMatchObject({ level: 40, mode: 'local', redisConnected: false });
      // The local limit still applies: 5 logins per email per 5 minutes.
      expect(
        (await t.query(LOGIN, { e: CUSTOMER.email, p: CUSTOMER.password })).body.errors?.[0]
          ?.extensions?.code,
      ).toBe('RATE_LIMITED');
    } finally {
      await t.close();
    }
  });

  it('production with Redis down: login stays closed (RATE_LIMITED, 429), reads still work', async () => {
    const t = await startTestApp({
      databaseUrl: db.url,
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: 'p'.repeat(40),
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
      waitForRedis: false,
    });
    try {
      const res = await t.query(LOGIN, { e: CUSTOMER.email, p: CUSTOMER.password });
      expect(res.status).toBe(429);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      const page = await t.query<{ products: { totalCount: number } }>(
        '{ products(first: 3) { totalCount } }',
      );
      expect(page.body.data!.products.totalCount).toBe(60);
    } finally {
      await t.close();
    }
  });
});

describe('a slow Redis', () => {
  it('production with Redis SIGSTOPped: login still succeeds (checks that time out fall back locally)', async () => {
    const redis = await startRedisServer();
    const log = captureLog('info');
    const t = await startTestApp({
      databaseUrl: db.url,
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: 'p'.repeat(40),
        REDIS_URL: redis.url,
        REDIS_COMMAND_TIMEOUT_MS: '100',
      },
      logger: log.logger,
    });
    try {
      expect((await t.query(LOGIN, { e: ADMIN.email, p: ADMIN.password })).status).toBe(200);
      redis.pause();
      for (let i = 0; i < 3; i++) {
        const res = await t.query<{ login: { token: string } }>(LOGIN, {
          e: ADMIN.email,
          p: ADMIN.password,
        });
        expect(res.body.errors).toBeUndefined();
        expect(res.status).toBe(200);
      }
      expect(log.lines.filter((l) => String(l.msg).includes('rate-limit checks'))).toEqual([
        expect.objectContaining({ mode: 'local', redisConnected: true }),
      ]);
      redis.resume();
    } finally {
      redis.resume();
      await t.close();
      await redis.stop();
    }
  });
});
