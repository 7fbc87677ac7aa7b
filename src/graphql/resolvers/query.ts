import { andThen } from '../../loaders/index.js';
import { decodeCursor } from '../../loaders/pages.js';
import { parseFirst, parseId } from '../args.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  product: (_, { id }, ctx) => ctx.data.product(parseId(id)),
  products: (_, { first, after, categoryId }, ctx) =>
    ctx.data.productPage({
      categoryId: categoryId == null ? null : parseId(categoryId, 'categoryId'),
      first: parseFirst(first),
      afterId: after == null ? 0 : decodeCursor(after),
    }),
  category: (_, { id }, ctx) => ctx.data.category(parseId(id)),
  categories: (_, __, ctx) => andThen(ctx.data.allCategoryIds('all'), (ids) => ctx.data.categories(ids)),
  user: (_, { id }, ctx) => ctx.data.user(parseId(id)),
  me: (_, __, ctx) => (ctx.viewer ? ctx.data.user(ctx.viewer.id) : null),
};
