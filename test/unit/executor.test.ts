import { ApolloServer } from '@apollo/server';
import { buildSchema, GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { OperationExecutor } from '../../src/graphql/executor.js';
import { createFormatError } from '../../src/graphql/format-error.js';
import { NotFoundError } from '../../src/errors/app-error.js';

/** A schema with sync and async resolvers, lists, nullable and non-null failures. */
function testSchema(): GraphQLSchema {
  const schema = buildSchema(`
    type Item { id: ID! name: String! price: Int broken: String strict: String! }
    type Query {
      items(first: Int!): [Item!]!
      item(id: ID!): Item
      missing: Item
      down: Item
    }
  `);
  const items = Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), name: `item ${i + 1}` }));
  const fields = (type: string) =>
    (
      schema.getType(type) as unknown as { getFields(): Record<string, { resolve?: unknown }> }
    ).getFields();
  const query = fields('Query');
  query.items!.resolve = (_: unknown, { first }: { first: number }) => items.slice(0, first);
  query.item!.resolve = async (_: unknown, { id }: { id: string }) =>
    items.find((i) => i.id === id) ?? null;
  query.missing!.resolve = () => {
    throw new NotFoundError('Item', '99');
  };
  query.down!.resolve = async () => {
    // What node-postgres raises when the pool cannot connect: no extensions.
    throw new Error('Connection terminated due to connection timeout');
  };
  const item = fields('Item');
  item.price!.resolve = async (i: { id: string }) => Number(i.id) * 100;
  item.broken!.resolve = () => {
    throw new Error('a bug');
  };
  item.strict!.resolve = (i: { id: string }) => (i.id === '2' ? null : 'ok');
  return schema;
}

const QUERIES: Array<[string, Record<string, unknown>?]> = [
  ['{ items(first: 3) { id name price } }'],
  ['query($id: ID!) { item(id: $id) { id name price } }', { id: '4' }],
  ['query($id: ID!) { item(id: $id) { id } }', { id: 'none' }],
  ['{ items(first: 2) { id broken } }'],
  // A null in a non-null field nulls its parent, up to the nullable list item... which is non-null: data null.
  ['{ items(first: 3) { id strict } }'],
  ['{ item(id: "2") { id strict } missing { id } }'],
  ['query($n: Int!) { items(first: $n) { id } }', { n: 2 }],
  ['query($s: Boolean!) { items(first: 2) { id name @skip(if: $s) p: price } }', { s: true }],
  [
    'query($s: Boolean!) { a: item(id: "1") { ...F @include(if: $s) } } fragment F on Item { id name }',
    { s: false },
  ],
  ['{ __typename items(first: 1) { __typename id } }'],
  ['query($n: Int!) { items(first: $n) { id } }', { n: 'two' }],
  ['query($n: Int!) { items(first: $n) { id } }', {}],
];

/** Results as JSON, errors as what a client sees of them. */
async function run(
  executor: OperationExecutor,
  query: string,
  variables?: Record<string, unknown>,
) {
  const result = await executor.execute(parse(query), undefined, variables, {});
  return JSON.parse(JSON.stringify(result)) as unknown;
}

describe('OperationExecutor', () => {
  it('answers exactly as graphql-js does: data, errors with paths and locations, null propagation', async () => {
    const schema = testSchema();
    const compiles: string[] = [];
    const jit = new OperationExecutor(schema, {
      compileAfter: 1,
      onCompile: (o) => compiles.push(o),
    });
    const reference = new OperationExecutor(schema, { compileAfter: 0 });
    for (const [query, variables] of QUERIES) {
      expect(await run(jit, query, variables), query).toEqual(
        await run(reference, query, variables),
      );
    }
    expect(compiles).toEqual(QUERIES.map(() => 'compiled'));
  });

  it('compiles a document on its n-th execution and never with 0', async () => {
    const schema = testSchema();
    const compiles: string[] = [];
    const executor = new OperationExecutor(schema, {
      compileAfter: 3,
      onCompile: (o) => compiles.push(o),
    });
    const document = parse('{ items(first: 1) { id } }');
    for (let i = 1; i <= 5; i++) {
      const result = await executor.execute(document, undefined, undefined, {});
      expect(result.data).toEqual({ items: [{ id: '1' }] });
      expect(compiles.length, `after execution ${i}`).toBe(i >= 3 ? 1 : 0);
    }
    const never = new OperationExecutor(schema, {
      compileAfter: 0,
      onCompile: () => compiles.push('x'),
    });
    await never.execute(document, undefined, undefined, {});
    expect(compiles).toEqual(['compiled']);
  });

  it('hands errors to formatError as graphql-js errors, so codes and masking hold under Apollo Server', async () => {
    const executor = new OperationExecutor(testSchema(), { compileAfter: 1 });
    const apollo = new ApolloServer({
      gateway: executor.asGateway(),
      formatError: createFormatError({ production: true }),
    });
    await apollo.start();
    try {
      const answer = async (query: string) => {
        const res = await apollo.executeOperation({ query });
        if (res.body.kind !== 'single') throw new Error('expected a single result');
        return res.body.singleResult;
      };
      const down = await answer('{ down { id } }');
      expect(down.errors).toEqual([
        {
          message: expect.any(String),
          locations: [{ line: 1, column: 3 }],
          path: ['down'],
          extensions: { code: 'DATABASE_UNAVAILABLE' },
        },
      ]);
      const bug = await answer('{ items(first: 1) { id broken } }');
      expect(bug.data).toEqual({ items: [{ id: '1', broken: null }] });
      expect(bug.errors).toEqual([
        {
          message: 'Internal server error',
          locations: [{ line: 1, column: 24 }],
          path: ['items', 0, 'broken'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      // Variables that do not coerce are the client's mistake, as with graphql-js.
      for (const variables of [{ id: { no: 1 } }, {}]) {
        const res = await apollo.executeOperation({
          query: 'query($id: ID!) { item(id: $id) { id } }',
          variables,
        });
        expect(res.http.status).toBe(400);
        expect(
          res.body.kind === 'single' &&
            res.body.singleResult.errors?.map((e) => e.extensions?.code),
        ).toEqual(['BAD_USER_INPUT']);
      }
      const missing = await answer('{ missing { id } }');
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(missing.errors?.[0]?.path).toEqual(['missing']);
    } finally {
      await apollo.stop();
    }
  });

  it('keeps the errors graphql-jit builds from errors that carry extensions', async () => {
    const executor = new OperationExecutor(testSchema(), { compileAfter: 1 });
    const result = await executor.execute(parse('{ missing { id } }'), undefined, undefined, {});
    const [error] = result.errors ?? [];
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.originalError).toBeInstanceOf(NotFoundError);
    expect(error?.extensions).toEqual({ id: '99' });
  });
});
