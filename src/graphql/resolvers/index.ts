import { GraphQLScalarType, Kind } from 'graphql';
import type { Resolvers } from '../generated/resolvers-types.js';
import { accountMutations } from './account-mutations.js';
import { Order, OrderItem, User } from './account-types.js';
import { catalogMutations } from './catalog-mutations.js';
import { Category, Product, ProductConnection, ProductEdge, Review } from './catalog-types.js';
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

export const resolvers: Resolvers = {
  DateTime,
  Query,
  Mutation: { ...catalogMutations, ...accountMutations },
  Product,
  Category,
  Review,
  ProductConnection,
  ProductEdge,
  User,
  Order,
  OrderItem,
};
