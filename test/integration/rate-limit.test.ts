/**
 * Promise 8 through the API: `login`'s limit of 5 per email admits exactly 5
 * under concurrency and across two instances, and a request refused entirely
 * is HTTP 429. (Aliases, each algorithm, the Lua scripts and the fallbacks
 * are tested in test/ratelimit.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureDatabase } from '../helpers/fixture.js';
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
  const a = await startTestApp({
    databaseUrl: db.url,
    prefix,
    env: { REDIS_COMMAND_TIMEOUT_MS: '3000' },
    now: () => 1_800_000_150_000,
  });
  apps.push(a);
  return a;
}

function codes(res: GraphQLResponse): string[] {
  return (res.body.errors ?? []).map((e) => String(e.extensions?.code));
}

// login is limited to 5 per 300 s per email (FIXED_WINDOW) and 10 per 60 s per IP.
const login = (alias: string, email: string) =>
  `${alias}: login(email: "${email}", password: "wrong") { token }`;

describe('@rateLimit admits exactly its limit', () => {
  it('20 concurrent requests: 5 admitted; refused requests get HTTP 429 and Retry-After', async () => {
    const t = await app();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.query(`mutation { ${login('x', 'concurrent@test.local')} }`),
      ),
    );
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
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).query(`mutation { ${login('x', 'two@test.local')} }`),
      ),
    );
    expect(results.filter((r) => codes(r)[0] === 'UNAUTHENTICATED')).toHaveLength(5);
  });
});
