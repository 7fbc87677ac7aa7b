/**
 * Root fields the registry does not derive (model-resolvers.ts gives each
 * model its `Query.<one>(id)` and `Query.<all>`): the filtered product list
 * and the signed-in user.
 */
import { decodeCursor } from '../../loaders/pages.js';
import { parseFirst, parseId } from '../args.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  products: (_, { first, after, categoryId }, ctx) =>
    ctx.data.page({
      model: 'Product',
      scope:
        categoryId == null
          ? null
          : { field: 'categoryId', value: parseId(categoryId, 'categoryId') },
      first: parseFirst(first),
      afterId: after == null ? 0 : decodeCursor(after),
    }),
  me: (_, __, ctx) => (ctx.viewer ? ctx.data.entity('User', ctx.viewer.id) : null),
};
