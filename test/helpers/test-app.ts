/**
 * Starts the real API (createApp + HTTP server on a loopback port) against a
 * test database and the real Redis, with its own cache prefix so test files
 * never share cache entries.
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config.js';
import type { Logger } from '../../src/observability/logger.js';
import { createApp, type App } from '../../src/server/app.js';
import { createHttpServer } from '../../src/server/http.js';
import { REDIS_URL } from './env.js';
import { deleteKeys } from './redis-cleanup.js';
import { waitFor } from './eventually.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
}

export interface TestApp {
  app: App;
  url: string;
  prefix: string;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function startTestApp(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  prefix?: string;
  /** Wait until Redis is connected (default true; false for tests where Redis is down). */
  waitForRedis?: boolean;
  /** The app's clock (cache TTLs, rate-limit windows). */
  now?: () => number;
  /** false: the app does not listen to the database's change feed (default: it does). */
  changeFeed?: boolean;
  /** A logger to read what the app logs (default: none). */
  logger?: Logger;
}): Promise<TestApp> {
  const prefix = options.prefix ?? testPrefix();
  const multiNode = Boolean(options.env?.REDIS_CLUSTER_NODES ?? options.env?.REDIS_SENTINELS);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: options.databaseUrl,
    ...(multiNode ? {} : { REDIS_URL }),
    CACHE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: '4',
    ...options.env,
  });
  const app = await createApp(config, {
    now: options.now,
    logger: options.logger,
    changeFeed: options.changeFeed,
  });
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  // Wait for Redis (when expected) so the first request already uses L2.
  const wait = options.waitForRedis ?? true;
  if (wait && config.cache.mode !== 'off')
    await waitFor(() => app.redis.available && app.cache.l2.available, { intervalMs: 20 });
  return {
    app,
    url,
    prefix,
    query: async (query, variables, headers) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-debug-stats': '1', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: res.status,
        headers: res.headers,
        body: (await res.json()) as GraphQLResponse['body'],
      } as never;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      // Leave nothing behind in Redis: every key this app's namespace holds.
      // (Cluster and Sentinel tests run on private servers they dispose of.)
      if (config.redis.topology.mode === 'standalone') await deleteKeys(config.redis.url, prefix);
    },
  };
}

/** A fresh cache prefix, marked with the run so a run's leftovers can be found. */
export function testPrefix(): string {
  return `t${process.env.CATALOG_TEST_RUN ?? ''}${randomBytes(4).toString('hex')}`;
}

/** Signs in through the API and returns the Authorization header. */
export async function signIn(
  t: TestApp,
  email: string,
  password: string,
): Promise<Record<string, string>> {
  const res = await t.query<{ login: { token: string } }>(
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    { e: email, p: password },
  );
  if (!res.body.data) throw new Error(`login failed: ${JSON.stringify(res.body.errors)}`);
  return { authorization: `Bearer ${res.body.data.login.token}` };
}
