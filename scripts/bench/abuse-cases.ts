/**
 * Abusive requests and the code each must be refused with. Used by the
 * query-protection test and by `npm run bench -- --abuse`, which times them.
 */
export const ABUSE: Record<string, { body: unknown; code: string }> = {
  'depth 20': {
    body: {
      query: `{ product(id: "1") { ${'category { products(first: 1) { edges { node { '.repeat(5)} id ${'} } } } '.repeat(5)} } }`,
    },
    code: 'QUERY_TOO_COMPLEX',
  },
  '100 aliases': {
    body: {
      query: `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: product(id: "1") { id }`).join(' ')} }`,
    },
    code: 'QUERY_TOO_COMPLEX',
  },
  'first: 100000': {
    body: {
      query: '{ products(first: 100000) { edges { node { reviews(first: 100) { id } } } } }',
    },
    code: 'QUERY_TOO_COMPLEX',
  },
  'first: 100000 in a variable': {
    body: {
      query: 'query($n: Int) { products(first: $n) { edges { node { id } } } }',
      variables: { n: 100000 },
    },
    code: 'QUERY_TOO_COMPLEX',
  },
  'a 1 MB document': {
    body: { query: `{ ${'product(id: "1") { id } '.repeat(45_000)} }` },
    code: 'QUERY_TOO_COMPLEX',
  },
  'too many tokens': {
    body: { query: `{ product(id: "1") { ${'id '.repeat(6000)} } }` },
    code: 'GRAPHQL_PARSE_FAILED',
  },
  'cyclic fragments': {
    body: {
      query:
        '{ product(id: "1") { ...A } } fragment A on Product { category { products { edges { node { ...B } } } } } fragment B on Product { ...A }',
    },
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  'hostile id 1:*': { body: { query: '{ product(id: "1:*") { id } }' }, code: 'BAD_USER_INPUT' },
  'hostile id with CR LF and a Redis command': {
    body: {
      query: 'query($id: ID!) { product(id: $id) { id } }',
      variables: { id: '1\r\nFLUSHALL\r\n' },
    },
    code: 'BAD_USER_INPUT',
  },
  'hostile 10 KB id': {
    body: {
      query: 'query($id: ID!) { product(id: $id) { id } }',
      variables: { id: '9'.repeat(10_000) },
    },
    code: 'BAD_USER_INPUT',
  },
  'hostile id __proto__': {
    body: { query: '{ product(id: "__proto__") { id } }' },
    code: 'BAD_USER_INPUT',
  },
};
