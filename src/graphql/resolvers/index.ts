import { GraphQLScalarType, Kind } from 'graphql';
import type { Resolvers } from '../generated/resolvers-types.js';
import { accountMutations } from './account-mutations.js';
import { Order, OrderItem, User } from './account-types.js';
import { catalogMutations } from './catalog-mutations.js';
import { Product, ProductConnection, ProductEdge } from './catalog-types.js';
import { modelResolvers, type ResolverMap } from './model-resolvers.js';
import { Query } from './query.js';

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date and time in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
    return date;
  },
  parseLiteral: (ast) => {
    const date = ast.kind === Kind.STRING ? new Date(ast.value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
    return date;
  },
});

const handWritten: Resolvers = {
  DateTime,
  Query,
  Mutation: { ...catalogMutations, ...accountMutations },
  Product,
  ProductConnection,
  ProductEdge,
  User,
  Order,
  OrderItem,
};

/** The registry's resolvers (model-resolvers.ts) with the hand-written ones merged over them, field by field. */
export const resolvers: Resolvers = mergeResolvers(
  modelResolvers(),
  handWritten as unknown as ResolverMap,
) as Resolvers;

function mergeResolvers(base: ResolverMap, over: ResolverMap): ResolverMap {
  const out: ResolverMap = { ...base };
  for (const [type, fields] of Object.entries(over)) {
    out[type] = fields instanceof GraphQLScalarType ? fields : { ...base[type], ...fields };
  }
  return out;
}
