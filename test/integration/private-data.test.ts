/**
 * Promise 7: nobody sees someone else's data, and the production settings
 * show nothing of the internals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ADMIN, CUSTOMER } from '../helpers/fixture.js';
import { REDIS_URL } from '../helpers/env.js';
import { signIn, startTestApp, type TestApp } from '../helpers/test-app.js';
import { sql, type TestDatabase } from '../helpers/test-db.js';
import { type FixtureApp, startFixtureApp } from '../helpers/fixture-app.js';

let db: TestDatabase;
let t: TestApp;
let fixture: FixtureApp;

beforeAll(async () => {
  fixture = await startFixtureApp();
  ({ db, t } = fixture);
});

afterAll(async () => {
  await fixture.close();
});

type Me = { me: { id: string; email: string; orders: Array<{ id: string }> } };

describe('private data', () => {
  it('two users interleaved 1,000 times on me { email orders } never see each other', async () => {
    const admin = await signIn(t, ADMIN.email, ADMIN.password);
    const customer = await signIn(t, CUSTOMER.email, CUSTOMER.password);
    await t.query(
      'mutation { placeOrder(input: { items: [{ productId: "1", quantity: 1 }] }) { id } }',
      {},
      customer,
    );
    await t.query(
      'mutation { placeOrder(input: { items: [{ productId: "2", quantity: 1 }] }) { id } }',
      {},
      admin,
    );
    const expected = new Map<string, Me['me']>();
    for (const [who, headers] of [
      ['admin', admin],
      ['customer', customer],
    ] as const) {
      expected.set(
        who,
        (await t.query<Me>('{ me { id email orders { id } } }', {}, headers)).body.data!.me,
      );
    }
    expect(expected.get('admin')!.email).toBe(ADMIN.email);
    expect(expected.get('customer')!.email).toBe(CUSTOMER.email);
    let foreign = 0;
    for (let i = 0; i < 500; i++) {
      const [a, c] = await Promise.all([
        t.query<Me>('{ me { id email orders { id } } }', {}, admin),
        t.query<Me>('{ me { id email orders { id } } }', {}, customer),
      ]);
      if (JSON.stringify(a.body.data!.me) !== JSON.stringify(expected.get('admin'))) foreign++;
      if (JSON.stringify(c.body.data!.me) !== JSON.stringify(expected.get('customer'))) foreign++;
    }
    expect(foreign).toBe(0);
  }, 120_000);

  it("another user's email and orders are null, an admin sees them", async () => {
    const customer = await signIn(t, CUSTOMER.email, CUSTOMER.password);
    const admin = await signIn(t, ADMIN.email, ADMIN.password);
    const q = '{ user(id: "1") { name email orders { id } } }';
    expect((await t.query(q, {}, customer)).body.data).toEqual({
      user: { name: 'Admin', email: null, orders: null },
    });
    expect((await t.query(q)).body.data).toEqual({
      user: { name: 'Admin', email: null, orders: null },
    });
    const byAdmin = await t.query<{ user: { email: string } }>(
      '{ user(id: "2") { email } }',
      {},
      admin,
    );
    expect(byAdmin.body.data!.user.email).toBe(CUSTOMER.email);
  });

  it('no email, role or password hash ever reaches Redis', async () => {
    const redis = new Redis(REDIS_URL);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${t.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.some((k) => k.includes(':e:User:'))).toBe(true);
    const values = keys.length ? await redis.mgetBuffer(...keys) : [];
    await redis.quit();
    const text = values.map((v) => v?.toString('latin1') ?? '').join('\n');
    expect(text).not.toContain('@test.local');
    expect(text).not.toContain('$2');
    expect(text).not.toMatch(/passwordHash|ADMIN/);
  });
});

describe('production settings', () => {
  it('refuse introspection, hide suggestions, mask internal errors', async () => {
    const prod = await startTestApp({
      databaseUrl: db.url,
      env: { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) },
      prefix: t.prefix,
    });
    try {
      const intro = await prod.query('{ __schema { types { name } } }');
      expect(intro.body.errors?.[0]?.message).toMatch(/introspection/i);
      const typo = await prod.query('{ prodcut(id: "1") { id } }');
      expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean/);
      expect(typo.body.extensions?.stats).toBeUndefined();
      // Force an internal error: the table goes away under the API.
      await sql(db.url, 'ALTER TABLE "Category" RENAME TO "Category_gone"');
      try {
        const broken = await prod.query('{ category(id: "3") { name } }');
        expect(broken.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
        expect(broken.body.errors?.[0]?.message).toBe('Internal server error');
        expect(JSON.stringify(broken.body)).not.toMatch(
          /stack|SELECT|prisma|Category_|127\.0\.0\.1|5432|postgres/i,
        );
      } finally {
        await sql(db.url, 'ALTER TABLE "Category_gone" RENAME TO "Category"');
      }
    } finally {
      await prod.close();
    }
  });
});
