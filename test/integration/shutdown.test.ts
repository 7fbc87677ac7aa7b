/**
 * SIGTERM in production mode drains: requests in flight finish, keep-alive
 * connections are closed gracefully, no new connection is accepted, and the
 * process exits 0. Run as a real child process with NODE_ENV=production,
 * where Apollo would install its own signal handler if we let it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { readDatabaseIdentity } from '../../src/db/database-identity.js';
import { spawnApi } from '../helpers/api-process.js';
import { freePort } from '../../scripts/bench/free-port.js';
import { createFixtureDatabase } from '../helpers/fixture.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { testPrefix } from '../helpers/test-app.js';
import type { TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let redis: RedisServer;

beforeAll(async () => {
  [db, redis] = await Promise.all([createFixtureDatabase(), startRedisServer()]);
});

afterAll(async () => {
  await redis?.stop();
  await db?.drop();
});

const BODY = JSON.stringify({
  query: '{ products(first: 5) { totalCount edges { node { id name } } } }',
});

interface Reply {
  status: number;
  connection: string | undefined;
  body: { data?: { products?: { totalCount: number } }; errors?: unknown[] };
}

/** A POST whose body is held back until `finish()` is called: a request in flight for as long as we like. */
function heldRequest(port: number, agent: http.Agent) {
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
  });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          connection: res.headers.connection,
          body: JSON.parse(text) as Reply['body'],
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const half = Math.floor(BODY.length / 2);
  req.write(BODY.slice(0, half));
  return { reply, finish: () => req.end(BODY.slice(half)) };
}

describe('graceful shutdown', () => {
  it('SIGTERM under load in production: every request in flight completes, keep-alive clients are let go, exit code 0', async () => {
    const api = spawnApi({
      NODE_ENV: 'production',
      JWT_SECRET: 's'.repeat(48),
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      CACHE_PREFIX: testPrefix(),
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    const port = await api.listening();
    const busy = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const idle = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      // Warm keep-alive connections on both agents.
      const warm = [
        ...Array.from({ length: 32 }, () => heldRequest(port, busy)),
        ...Array.from({ length: 8 }, () => heldRequest(port, idle)),
      ];
      warm.forEach((r) => r.finish());
      expect((await Promise.all(warm.map((r) => r.reply))).every((r) => r.status === 200)).toBe(
        true,
      );
      const idleSockets = Object.values(idle.freeSockets).flat();
      expect(idleSockets.length).toBe(8);
      const idleClosed = idleSockets.map(
        (s) => new Promise<boolean>((resolve) => s!.once('close', (hadError) => resolve(hadError))),
      );

      // 32 requests in flight on the kept-alive connections: headers and half a body sent.
      const inFlight = Array.from({ length: 32 }, () => heldRequest(port, busy));
      await new Promise((r) => setTimeout(r, 300));
      api.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));

      // Draining: the listener is closed, idle keep-alive sockets were closed cleanly.
      await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
      expect(await Promise.all(idleClosed)).toEqual(Array(8).fill(false));

      inFlight.forEach((r) => r.finish());
      const replies = await Promise.all(inFlight.map((r) => r.reply));
      expect(
        replies.filter((r) => r.status === 200 && r.body.data?.products?.totalCount === 60),
      ).toHaveLength(32);
      expect(replies.every((r) => r.connection === 'close')).toBe(true);

      const exit = await api.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(api.output).toMatch(/draining/);
      expect(api.stderr).toBe('');
    } finally {
      busy.destroy();
      idle.destroy();
      api.child.kill('SIGKILL');
    }
  }, 90_000);

  it('SIGINT with embedded PGlite: the database is closed, exit code 0, and the folder reopens with the same identity', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pglite-stop-'));
    try {
      const api = spawnApi({
        NODE_ENV: 'development',
        PGLITE_DIR: path.join(dir, 'data'),
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      });
      const port = await api.listening(90_000);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      api.child.kill('SIGINT');
      expect(await api.exited).toEqual({ code: 0, signal: null });
      expect(api.output).toMatch(/"msg":"stopped"/);
      const namespace = /"namespace":"[^":]+:(db[0-9a-f]+)"/.exec(api.output)?.[1];
      const db = await openDatabase({
        pgliteDir: path.join(dir, 'data'),
        poolSize: 1,
        onStatement: () => undefined,
      });
      try {
        expect((await readDatabaseIdentity(db.prisma)).id).toBe(namespace);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
