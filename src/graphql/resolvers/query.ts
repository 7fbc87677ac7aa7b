import type { QueryResolvers } from '../generated/resolvers-types.js';
import { parseFirst, parseId } from '../args.js';
import { decodeCursor } from '../../loaders/pages.js';

export const Query: QueryResolvers = {
  product: (_, { id }, ctx) => ctx.loaders.product.load(parseId(id)),
  products: (_, { first, after, categoryId }, ctx) =>
    ctx.loaders.productPage.load({
      categoryId: categoryId == null ? null : parseId(categoryId, 'categoryId'),
      first: parseFirst(first),
      afterId: after == null ? 0 : decodeCursor(after),
    }),
  category: (_, { id }, ctx) => ctx.loaders.category.load(parseId(id)),
  categories: async (_, __, ctx) => {
    const ids = await ctx.loaders.allCategoryIds.load('all');
    const rows = await ctx.loaders.category.loadMany(ids);
    return rows.filter((r): r is Exclude<typeof r, Error | null> => r !== null && !(r instanceof Error));
  },
  user: (_, { id }, ctx) => ctx.loaders.user.load(parseId(id)),
  me: (_, __, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
};
