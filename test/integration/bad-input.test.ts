/**
 * Every bad input gets its stable error code, and the database is unchanged
 * afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, CUSTOMER } from '../helpers/fixture.js';
import { signIn, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';
import { type FixtureApp, startFixtureApp } from '../helpers/fixture-app.js';

let db: TestDatabase;
let t: TestApp;
let fixture: FixtureApp;
let customer: Record<string, string>;

/** A fingerprint of every table's rows, to prove nothing changed. */
async function snapshot(): Promise<string> {
  const tables = ['User', 'Category', 'Product', 'Review', 'Order', 'OrderItem'];
  const parts = await Promise.all(
    tables.map((name) =>
      sql(
        db.url,
        `SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) AS h FROM "${name}" t`,
      ),
    ),
  );
  return parts.map((rows) => rows[0]!.h).join(':');
}

beforeAll(async () => {
  fixture = await startFixtureApp();
  ({ db, t } = fixture);
  customer = await signIn(t, CUSTOMER.email, CUSTOMER.password);
});

afterAll(async () => {
  await fixture.close();
});

function code(res: {
  body: { errors?: Array<{ extensions?: Record<string, unknown> }> };
}): unknown {
  return res.body.errors?.[0]?.extensions?.code;
}

describe('bad input', () => {
  const cases: Array<
    [string, string, Record<string, unknown>, () => Record<string, string>, string]
  > = [
    [
      'an unknown id returns null, not an error',
      '{ product(id: "999999") { id } }',
      {},
      () => ({}),
      'NONE',
    ],
    ['a malformed id', '{ product(id: "1:*") { id } }', {}, () => ({}), 'BAD_USER_INPUT'],
    [
      'an id with CR LF and a Redis command',
      'query($id: ID!) { product(id: $id) { id } }',
      { id: '1\r\nFLUSHALL\r\n' },
      () => ({}),
      'BAD_USER_INPUT',
    ],
    [
      'a 10 KB id',
      'query($id: ID!) { product(id: $id) { id } }',
      { id: '1'.repeat(10_000) },
      () => ({}),
      'BAD_USER_INPUT',
    ],
    ['__proto__ as an id', '{ product(id: "__proto__") { id } }', {}, () => ({}), 'BAD_USER_INPUT'],
    [
      'a negative first',
      '{ products(first: -1) { totalCount } }',
      {},
      () => ({}),
      'BAD_USER_INPUT',
    ],
    [
      'a first above 100',
      '{ products(first: 101) { totalCount } }',
      {},
      () => ({}),
      'BAD_USER_INPUT',
    ],
    [
      'first: 100000, refused by the cost limit before running',
      '{ products(first: 100000) { edges { node { name } } } }',
      {},
      () => ({}),
      'QUERY_TOO_COMPLEX',
    ],
    [
      'a malformed cursor',
      '{ products(after: "nope") { totalCount } }',
      {},
      () => ({}),
      'BAD_USER_INPUT',
    ],
    [
      'a wrong password',
      `mutation { login(email: "${ADMIN.email}", password: "wrong") { token } }`,
      {},
      () => ({}),
      'UNAUTHENTICATED',
    ],
    [
      'an unknown email',
      'mutation { login(email: "nobody@test.local", password: "x") { token } }',
      {},
      () => ({}),
      'UNAUTHENTICATED',
    ],
    [
      'a missing token on a signed-in mutation',
      'mutation { addReview(input: { productId: "1", rating: 5, body: "x" }) { id } }',
      {},
      () => ({}),
      'UNAUTHENTICATED',
    ],
    [
      'a forged token',
      'mutation { addReview(input: { productId: "1", rating: 5, body: "x" }) { id } }',
      {},
      () => ({
        authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwicm9sZSI6IkFETUlOIn0.forged',
      }),
      'UNAUTHENTICATED',
    ],
    [
      'a customer calling an ADMIN mutation',
      'mutation { updateProduct(id: "1", input: { priceCents: 1 }) { id } }',
      {},
      () => customer,
      'FORBIDDEN',
    ],
    [
      'a rating out of range',
      'mutation { addReview(input: { productId: "1", rating: 6, body: "x" }) { id } }',
      {},
      () => customer,
      'BAD_USER_INPUT',
    ],
    [
      'a review of an unknown product',
      'mutation { addReview(input: { productId: "999999", rating: 5, body: "x" }) { id } }',
      {},
      () => customer,
      'NOT_FOUND',
    ],
    [
      'an order over stock',
      'mutation { placeOrder(input: { items: [{ productId: "1", quantity: 1 }, { productId: "2", quantity: 11 }] }) { id } }',
      {},
      () => customer,
      'INSUFFICIENT_STOCK',
    ],
    [
      'an order of an unknown product',
      'mutation { placeOrder(input: { items: [{ productId: "999999", quantity: 1 }] }) { id } }',
      {},
      () => customer,
      'NOT_FOUND',
    ],
    [
      'an order with no items',
      'mutation { placeOrder(input: { items: [] }) { id } }',
      {},
      () => customer,
      'BAD_USER_INPUT',
    ],
  ];

  for (const [name, query, variables, headers, expected] of cases) {
    it(`${name}: ${expected === 'NONE' ? 'no error' : expected}, database unchanged`, async () => {
      const before = await snapshot();
      const res = await t.query(query, variables, headers());
      if (expected === 'NONE') expect(res.body.errors).toBeUndefined();
      else expect(code(res)).toBe(expected);
      expect(JSON.stringify(res.body)).not.toMatch(/prisma|SELECT|stack|postgres|127\.0\.0\.1/i);
      expect(await snapshot()).toBe(before);
    });
  }

  it('GET carries the operation in the query string; other paths answer 404', async () => {
    const origin = new URL(t.url).origin;
    const query = encodeURIComponent('{ product(id: "1") { id } }');
    // Apollo's CSRF prevention lets a GET through with a preflight header.
    const headers = { 'apollo-require-preflight': 'true' };
    const res = await fetch(`${origin}/graphql?query=${query}`, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { product: { id: '1' } } });
    const mutation = encodeURIComponent(
      'mutation { login(email: "a@b.c", password: "x") { token } }',
    );
    expect((await fetch(`${origin}/graphql?query=${mutation}`, { headers })).status).toBe(405);
    expect((await fetch(`${origin}/livez?probe=1`)).status).toBe(200);
    expect((await fetch(`${origin}/graphqlx?query=${query}`, { headers })).status).toBe(404);
  });

  it('a valid order takes stock and a later read sees it', async () => {
    const res = await t.query<{ placeOrder: { totalCents: number } }>(
      'mutation { placeOrder(input: { items: [{ productId: "3", quantity: 2 }] }) { totalCents items { quantity product { stock } } } }',
      {},
      customer,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.placeOrder.totalCents).toBe(600);
    const read = await t.query<{ product: { stock: number } }>('{ product(id: "3") { stock } }');
    expect(read.body.data!.product.stock).toBe(8);
  });
});
