/**
 * Query protection on a small schema built here: each abusive document is
 * refused before execution with QUERY_TOO_COMPLEX (or graphql's own error
 * for fragment cycles and token floods), and ordinary queries pass.
 */
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { type GraphQLError, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  createProtectionRules,
  type ProtectionRuleOptions,
} from '../../src/graphql/protection/create-protection-rules.js';
import {
  documentSizeError,
  protectionParseOptions,
} from '../../src/graphql/protection/document-limits.js';
import {
  DEFAULT_PROTECTION_OPTIONS,
  resolveProtectionOptions,
} from '../../src/graphql/protection/limits.js';
import { protectionPlugin } from '../../src/graphql/protection/protection-plugin.js';

const typeDefs = /* GraphQL */ `
  directive @cost(weight: Int = 1, multipliers: [String!]) on FIELD_DEFINITION
  type Query {
    product(id: ID!): Product
    products(first: Int, after: String): ProductConnection! @cost(weight: 1, multipliers: ["first"])
    pageOf50(first: Int = 50): [Product!]! @cost(multipliers: ["first"])
    byIds(ids: [ID!]!): [Product!]! @cost(multipliers: ["ids"])
    expensive: Int @cost(weight: 500)
  }
  type ProductConnection {
    edges: [Edge!]!
  }
  type Edge {
    node: Product!
  }
  type Product {
    id: ID!
    name: String!
    category: Category!
    reviews(first: Int): [Review!]! @cost(weight: 1, multipliers: ["first"])
  }
  type Category {
    name: String!
    products(first: Int): ProductConnection! @cost(weight: 1, multipliers: ["first"])
  }
  type Review {
    rating: Int!
    author: User!
  }
  type User {
    name: String!
  }
`;

let resolverCalls = 0;
const schema = makeExecutableSchema({
  typeDefs,
  resolvers: { Query: { product: () => (resolverCalls++, { id: '1', name: 'p' }) } },
});

/** Errors of graphql's own rules and ours together, as a server validates. */
function check(query: string, options: ProtectionRuleOptions = {}): readonly GraphQLError[] {
  return validate(schema, parse(query), [...specifiedRules, ...createProtectionRules(options)]);
}

const codes = (errors: readonly GraphQLError[]) => errors.map((e) => e.extensions.code);
const nest = (levels: number) =>
  `{ product(id: "1") { ${'category { products(first: 1) { edges { node { '.repeat(levels)} id ${'} } } } '.repeat(levels)} } }`;

describe('abusive operations are refused with QUERY_TOO_COMPLEX', () => {
  it('depth 20', () => {
    const query = `{ product(id: "1") ${'{ category { products(first: 1) { edges { node '.repeat(4)}{ id }${' } } } }'.repeat(4)} }`;
    const errors = check(query);
    expect(codes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors[0]!.message).toBe('Query depth 18 exceeds the limit of 12');
    expect(codes(check(nest(5)))).toEqual(['QUERY_TOO_COMPLEX']);
    expect(check(nest(5))[0]!.message).toMatch(/depth 2\d exceeds the limit of 12/);
  });

  it('100 aliases', () => {
    const errors = check(
      `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: product(id: "1") { id }`).join(' ')} }`,
    );
    expect(codes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors[0]!.message).toBe('Query uses 100 aliases; the limit is 30');
  });

  it('aliases hidden in a fragment count each time it is spread', () => {
    const fragment = `fragment F on Product { ${Array.from({ length: 10 }, (_, i) => `n${i}: name`).join(' ')} }`;
    const errors = check(
      `{ ${Array.from({ length: 4 }, (_, i) => `p${i}: product(id: "${i}") { ...F }`).join(' ')} } ${fragment}`,
    );
    expect(errors[0]!.message).toBe('Query uses 44 aliases; the limit is 30');
  });

  it('first: 100000', () => {
    const errors = check('{ products(first: 100000) { edges { node { id } } } }');
    expect(codes(errors)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errors[0]!.message).toBe('Query cost 300001 exceeds the limit of 10000');
  });

  it('first: 100000 in a variable, or as a variable default', () => {
    const query = 'query($n: Int) { products(first: $n) { edges { node { id } } } }';
    expect(check(query, { variables: { n: 10 } })).toEqual([]);
    expect(codes(check(query, { variables: { n: 100000 } }))).toEqual(['QUERY_TOO_COMPLEX']);
    expect(
      codes(check('query($n: Int = 100000) { products(first: $n) { edges { node { id } } } }')),
    ).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('nested lists multiply: 100 products with 100 reviews each', () => {
    // reviews 1 + 100 * 1, node 1 + 101, edges 1 + 102, products 1 + 100 * 103
    const errors = check(
      '{ products(first: 100) { edges { node { reviews(first: 100) { rating } } } } }',
    );
    expect(errors[0]!.message).toBe('Query cost 10301 exceeds the limit of 10000');
  });

  it('a 1 MB document, before it is parsed', () => {
    const query = `{ ${'product(id: "1") { id } '.repeat(45_000)} }`;
    const error = documentSizeError(query);
    expect(error?.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(error?.message).toMatch(
      /^Query document is at least \d+ bytes; the limit is 102400 bytes$/,
    );
    // Multi-byte characters count as the bytes they take.
    expect(documentSizeError(`{ product(id: "${'é'.repeat(60_000)}") { id } }`)?.message).toMatch(
      /is 1200\d\d bytes/,
    );
    expect(documentSizeError('{ product(id: "1") { id } }')).toBeUndefined();
  });
});

describe('graphql refuses what our rules leave to it, and our rules survive it', () => {
  it('cyclic fragments get the GraphQL cycle error, with no hang and no stack overflow', () => {
    const query =
      '{ product(id: "1") { ...A } } fragment A on Product { category { products { edges { node { ...B } } } } } fragment B on Product { ...A }';
    const errors = check(query);
    expect(errors.map((e) => e.message)).toContain(
      'Cannot spread fragment "A" within itself via "B".',
    );
    // Our rules alone (no NoFragmentCycles in front of them) terminate too.
    expect(() => validate(schema, parse(query), createProtectionRules())).not.toThrow();
    expect(() =>
      validate(schema, parse('{ ...Q } fragment Q on Query { ...Q }'), createProtectionRules()),
    ).not.toThrow();
  });

  it('a fragment fan-out of 2^40 fields is measured without expanding it', () => {
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Product { ...F${i + 1} ...F${i + 1} }`,
    ).join(' ');
    const query = `{ product(id: "1") { ...F0 } } ${fragments} fragment F${levels} on Product { a: id }`;
    // Expanding it would never finish; finishing within the test timeout is the check.
    const errors = validate(schema, parse(query), createProtectionRules());
    expect(errors.map((e) => e.message)).toContain(
      `Query uses ${2 ** levels} aliases; the limit is 30`,
    );
  });

  it('too many tokens: the parser stops at the limit', () => {
    const query = `{ product(id: "1") { ${'id '.repeat(6000)} } }`;
    expect(() => parse(query, protectionParseOptions())).toThrow(
      /Document contains more tha[nt] 5000 tokens/,
    );
    expect(() => parse('{ product(id: "1") { id } }', protectionParseOptions())).not.toThrow();
  });
});

describe('ordinary operations pass', () => {
  it('a nested catalog page with reviews, through fragments and variables', () => {
    const query = `
      query Catalog($n: Int = 50) {
        products(first: $n) { edges { node { ...Card category { name } } } }
        product(id: "1") { ...Card }
      }
      fragment Card on Product { id name reviews(first: 5) { rating author { name } } }`;
    expect(check(query)).toEqual([]);
    expect(check(query, { variables: { n: 20 } })).toEqual([]);
  });

  it('depth 12 and 30 aliases are still allowed', () => {
    const depth12 = `{ product(id: "1") ${'{ category { products { edges { node '.repeat(2)}{ reviews(first: 1) { author { name } } }${' } } } }'.repeat(2)} }`;
    expect(check(depth12)).toEqual([]);
    expect(check(depth12, { maxDepth: 11 })[0]?.message).toBe(
      'Query depth 12 exceeds the limit of 11',
    );
    expect(
      check(
        `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: product(id: "1") { id }`).join(' ')} }`,
      ),
    ).toEqual([]);
  });

  it('the standard introspection query (as GraphiQL sends it)', () => {
    expect(
      check(
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          inputValueDeprecation: true,
        }),
      ),
    ).toEqual([]);
  });

  it('absent list arguments count as their SDL default, else 20; list arguments count their length', () => {
    expect(check('{ pageOf50 { id name } }', { maxCost: 101 })).toEqual([]);
    expect(codes(check('{ pageOf50 { id name } }', { maxCost: 100 }))).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
    expect(check('{ products { edges { node { id } } } }', { maxCost: 61 })).toEqual([]);
    expect(codes(check('{ products { edges { node { id } } } }', { maxCost: 60 }))).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
    expect(check('{ byIds(ids: ["1", "2", "3"]) { id name } }', { maxCost: 7 })).toEqual([]);
    expect(codes(check('{ byIds(ids: ["1", "2", "3"]) { id name } }', { maxCost: 6 }))).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
  });

  it('weights count: one field of weight 500, twenty times, is over 10000', () => {
    expect(
      check(`{ ${Array.from({ length: 20 }, (_, i) => `e${i}: expensive`).join(' ')} }`),
    ).toEqual([]);
    expect(
      codes(check(`{ ${Array.from({ length: 21 }, (_, i) => `e${i}: expensive`).join(' ')} }`)),
    ).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('options', () => {
  it('defaults are depth 12, 30 aliases, 5000 tokens, 100 KB, cost 10000, page size 20', () => {
    expect(DEFAULT_PROTECTION_OPTIONS).toEqual({
      maxDepth: 12,
      maxAliases: 30,
      maxTokens: 5000,
      maxDocumentBytes: 102_400,
      maxCost: 10_000,
      defaultMultiplier: 20,
    });
  });

  it('a limit that is not a positive integer is refused, naming the option', () => {
    expect(() => resolveProtectionOptions({ maxDepth: 0 })).toThrow(
      'Query protection option maxDepth must be a positive integer, got 0',
    );
    expect(() => createProtectionRules({ maxCost: 1.5 })).toThrow(/maxCost/);
  });
});

describe('the Apollo plugin', () => {
  it('refuses before any resolver runs, with HTTP 400 and the variables taken into account', async () => {
    const server = new ApolloServer({ schema, plugins: [protectionPlugin()] });
    await server.start();
    try {
      const before = resolverCalls;
      const refused = await server.executeOperation({
        query:
          'query($n: Int) { product(id: "1") { id } products(first: $n) { edges { node { id } } } }',
        variables: { n: 100000 },
      });
      expect(refused.http.status).toBe(400);
      expect(
        refused.body.kind === 'single' &&
          refused.body.singleResult.errors?.map((e) => e.extensions?.code),
      ).toEqual(['QUERY_TOO_COMPLEX']);
      expect(resolverCalls).toBe(before);
      const ok = await server.executeOperation({ query: '{ product(id: "1") { id } }' });
      expect(ok.body.kind === 'single' && ok.body.singleResult.errors).toBeUndefined();
      expect(resolverCalls).toBe(before + 1);
    } finally {
      await server.stop();
    }
  });

  it('keeps a verdict per document and counted variables only: other variables change nothing', async () => {
    const query =
      'query($id: ID!, $n: Int = 100000) { product(id: $id) { id } products(first: $n) { edges { node { id } } } }';
    const read: string[] = [];
    const errors = validate(
      schema,
      parse(query),
      createProtectionRules({ variables: { id: '1', n: 5 }, onVariableRead: (n) => read.push(n) }),
    );
    expect(errors).toEqual([]);
    // Only the multiplier's variable counts; the id does not.
    expect(new Set(read)).toEqual(new Set(['n']));

    const server = new ApolloServer({ schema, plugins: [protectionPlugin()] });
    await server.start();
    try {
      // Refused, or let through to execution (where `products` has no resolver here).
      const status = async (variables: Record<string, unknown>) => {
        const res = await server.executeOperation({ query, variables });
        const refused =
          res.body.kind === 'single' &&
          res.body.singleResult.errors?.some((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX');
        return refused ? 'QUERY_TOO_COMPLEX' : 'ok';
      };
      expect(await status({ id: '1', n: 5 })).toBe('ok');
      expect(await status({ id: '2', n: 100000 })).toBe('QUERY_TOO_COMPLEX');
      expect(await status({ id: '3', n: 5 })).toBe('ok');
      expect(await status({ id: '4', n: 100000 })).toBe('QUERY_TOO_COMPLEX');
      // Absent, the declared default (100000) counts; null counts as the default page size.
      expect(await status({ id: '5' })).toBe('QUERY_TOO_COMPLEX');
      expect(await status({ id: '6', n: null })).toBe('ok');
      expect(await status({ id: '7' })).toBe('QUERY_TOO_COMPLEX');
    } finally {
      await server.stop();
    }
  });
});
