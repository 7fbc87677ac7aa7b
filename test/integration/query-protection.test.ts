/**
 * Abusive operations are refused before execution, with a stable code, no
 * resolver run and no SQL; the server stays up.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABUSE } from '../../scripts/bench/abuse-cases.js';
import { type FixtureApp, startFixtureApp } from '../helpers/fixture-app.js';
import type { TestApp } from '../helpers/test-app.js';

let t: TestApp;
let fixture: FixtureApp;

beforeAll(async () => {
  fixture = await startFixtureApp();
  ({ t } = fixture);
});

afterAll(async () => {
  await fixture.close();
});

describe('query protection', () => {
  for (const [name, { body, code }] of Object.entries(ABUSE)) {
    it(`${name}: refused with ${code}, running no SQL`, async () => {
      const before = Number((await t.app.metrics.dbStatements.get()).values[0]?.value ?? 0);
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as {
        errors?: Array<{ extensions?: { code?: string } }>;
        data?: unknown;
      };
      expect(json.errors?.[0]?.extensions?.code).toBe(code);
      // Refused before execution (no data at all), or, for hostile ids, by the
      // argument check before any loader runs.
      if (code === 'BAD_USER_INPUT') expect(json.data).toEqual({ product: null });
      else expect(json.data ?? null).toBeNull();
      const after = Number((await t.app.metrics.dbStatements.get()).values[0]?.value ?? 0);
      expect(after - before).toBe(0);
    });
  }

  it('a batch of 100 operations is refused (batching is off)', async () => {
    const batch = Array.from({ length: 100 }, () => ({ query: '{ product(id: "1") { id } }' }));
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/batch/i);
  });

  it('a GET mutation and a simple cross-site POST are refused (CSRF prevention)', async () => {
    const get = await fetch(
      `${t.url}?query=${encodeURIComponent('mutation { login(email: "a", password: "b") { token } }')}`,
      { headers: { 'apollo-require-preflight': '1' } },
    );
    expect(get.status).toBe(405);
    const simple = await fetch(
      `${t.url}?query=${encodeURIComponent('{ product(id: "1") { id } }')}`,
    );
    expect(simple.status).toBe(400);
  });

  it("the playground's full introspection query passes the limits in development", async () => {
    const res = await t.query(
      getIntrospectionQuery({ descriptions: true, directiveIsRepeatable: true }),
    );
    expect(res.body.errors).toBeUndefined();
    expect(JSON.stringify(res.body.data)).toContain('rateLimit');
  });

  it('a normal nested catalog query passes, and the server is still up', async () => {
    const res = await t.query(
      '{ products(first: 50) { edges { node { name category { name } reviews(first: 5) { rating author { name } } } } } }',
    );
    expect(res.body.errors).toBeUndefined();
    expect((await fetch(t.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });
});
