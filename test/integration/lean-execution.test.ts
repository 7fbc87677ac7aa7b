/**
 * The lean path (src/server/lean-execution.ts) answers exactly as Apollo
 * Server does: two instances on one database, one with the lean path and one
 * without (GRAPHQL_LEAN_PATH=false), get the same requests, each sent
 * repeatedly (the first time a text is new, Apollo accepts it; after that
 * the lean instance serves it without Apollo), and must give the same
 * status, content type and body. A mutation whose result has errors is
 * answered by Apollo without running again. Real PostgreSQL and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createFixtureDatabase } from '../helpers/fixture.js';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let lean: TestApp;
let apollo: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  db = await createFixtureDatabase();
  lean = await startTestApp({ databaseUrl: db.url });
  apollo = await startTestApp({ databaseUrl: db.url, env: { GRAPHQL_LEAN_PATH: 'false' } });
  admin = await signIn(lean, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await lean?.close();
  await apollo?.close();
  await db?.drop();
});

interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function post(
  t: TestApp,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: parsed };
}

/** How many operations the lean path has answered, and handed to Apollo with errors. */
async function leanCounts(t: TestApp): Promise<{ answered: number; errors: number }> {
  const { values } = await t.app.metrics.graphqlLeanPath.get();
  const count = (outcome: string) => values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { answered: count('answered'), errors: count('errors') };
}

/** Sends `body` three times to each instance; every answer must equal the Apollo instance's first. */
async function sameAnswers(body: unknown, headers: Record<string, string> = {}) {
  const expected = await post(apollo, body, headers);
  for (let i = 0; i < 3; i++) {
    expect(await post(lean, body, headers)).toEqual(expected);
    expect(await post(apollo, body, headers)).toEqual(expected);
  }
  return expected;
}

const PRODUCT = `query Product($id: ID!) { product(id: $id) { id name priceCents category { name } reviews(first: 2) { rating author { name } } } }`;
const PAGE = `query($n: Int) { products(first: $n) { totalCount edges { node { id name } } } }`;

describe('the lean path answers as Apollo does', () => {
  it('serves a query text Apollo accepted before, with the same answer', async () => {
    const before = await leanCounts(lean);
    const answer = await sameAnswers({ query: PRODUCT, variables: { id: '2' } });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    expect((answer.body as { data: { product: { id: string } } }).data.product.id).toBe('2');
    // Responses may be reused after the first execution; other ids execute on the lean path.
    for (const id of ['3', '4', '5']) await sameAnswers({ query: PRODUCT, variables: { id } });
    expect((await leanCounts(lean)).answered).toBeGreaterThan(before.answered);
    expect((await leanCounts(apollo)).answered).toBe(0);
  });

  it('negotiates the content type as Apollo does, and refuses what Apollo refuses', async () => {
    const body = { query: PAGE, variables: { n: 2 } };
    for (const accept of [
      '*/*',
      'application/json',
      'application/graphql-response+json',
      'application/graphql-response+json, application/json;q=0.9',
      'application/json;q=0.5, application/graphql-response+json',
      'text/html',
    ]) {
      const answer = await sameAnswers(body, { accept });
      if (accept === 'text/html') expect(answer.status).toBe(406);
      else expect(answer.status).toBe(200);
    }
  });

  it('leaves variables that do not coerce, resolver errors and protection refusals to Apollo', async () => {
    const refused = await sameAnswers({ query: PRODUCT, variables: { id: { not: 'an id' } } });
    expect(refused.status).toBe(400);
    const notFound = await sameAnswers({ query: PRODUCT, variables: { id: 'abc' } });
    expect(notFound.status).toBe(200);
    expect(JSON.stringify(notFound.body)).toContain('BAD_USER_INPUT');
    const costly = await sameAnswers({ query: PAGE, variables: { n: 100_000 } });
    expect(costly.status).toBe(400);
    expect(JSON.stringify(costly.body)).toContain('QUERY_TOO_COMPLEX');
  });

  it('picks the requested operation of a document, and leaves an unknown one to Apollo', async () => {
    const query = `query A { categories { slug } } query B { brands { name } }`;
    await sameAnswers({ query, operationName: 'A' });
    await sameAnswers({ query, operationName: 'B' });
    const unknown = await sameAnswers({ query, operationName: 'C' });
    expect(unknown.status).toBe(400);
    const none = await sameAnswers({ query });
    expect(none.status).toBe(400);
  });

  it('never serves what Apollo refuses before execution: CSRF, persisted queries, GET mutations', async () => {
    const query = `{ categories { slug } }`;
    await sameAnswers({ query });
    for (const t of [lean, apollo]) {
      const plain = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query }),
      });
      expect(plain.status).toBe(400);
    }
    await sameAnswers({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } } });
  });

  it('answers mutations and counts their statements in extensions.stats', async () => {
    const update = `mutation($id: ID!, $s: Int!) { updateProduct(id: $id, input: { stock: $s }) { id stock } }`;
    for (let i = 0; i < 3; i++) {
      const res = await post(
        lean,
        { query: update, variables: { id: '6', s: 100 + i } },
        { ...admin, 'x-debug-stats': '1' },
      );
      expect(res.status).toBe(200);
      const body = res.body as {
        data: { updateProduct: { stock: number } };
        extensions: { stats: { sqlStatements: number } };
      };
      expect(body.data.updateProduct.stock).toBe(100 + i);
      expect(body.extensions.stats.sqlStatements).toBeGreaterThan(0);
    }
  });

  it('hands a mutation with errors to Apollo without running it again', async () => {
    // The first field writes, the second fails (non-null: the whole data is null).
    const twoWrites = `mutation($s: Int!) {
      a: updateProduct(id: "7", input: { stock: $s }) { id version }
      b: updateProduct(id: "999999", input: { stock: $s }) { id version }
    }`;
    const version = async () =>
      Number((await sql(db.url, `SELECT version FROM "Product" WHERE id = 7`))[0]!.version);
    const start = await version();
    for (let i = 1; i <= 3; i++) {
      const before = await leanCounts(lean);
      const res = await post(lean, { query: twoWrites, variables: { s: i } }, admin);
      expect(res.status).toBe(200);
      const body = res.body as { data: null; errors: Array<{ extensions: { code: string } }> };
      expect(body.data).toBeNull();
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
      // Each request wrote exactly once.
      expect(await version()).toBe(start + i);
      if (i > 1) expect((await leanCounts(lean)).errors).toBe(before.errors + 1);
    }
  });

  it('counts operations in the same metrics either way', async () => {
    const query = `query Counted { categories { slug } }`;
    const counted = async (t: TestApp) =>
      (await t.app.metrics.graphqlOperations.get()).values.find(
        (v) => v.labels.operation === 'Counted',
      )?.value ?? 0;
    const before = [await counted(lean), await counted(apollo)];
    for (let i = 0; i < 4; i++) {
      expect(await post(lean, { query })).toEqual(await post(apollo, { query }));
    }
    expect([(await counted(lean)) - before[0]!, (await counted(apollo)) - before[1]!]).toEqual([
      4, 4,
    ]);
  });
});
