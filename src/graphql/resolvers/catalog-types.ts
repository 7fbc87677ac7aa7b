import { NotFoundError } from '../../errors/app-error.js';
import { encodeCursor } from '../../loaders/pages.js';
import type { CategoryResolvers, ProductConnectionResolvers, ProductEdgeResolvers, ProductResolvers, ReviewResolvers } from '../generated/resolvers-types.js';
import { parseFirst } from '../args.js';
import { decodeCursor } from '../../loaders/pages.js';

/** Loads a required relation; a dangling reference is a NOT_FOUND, never a null in a non-null field. */
async function required<T>(what: string, id: number, load: Promise<T | null>): Promise<T> {
  const row = await load;
  if (!row) throw new NotFoundError(what, String(id));
  return row;
}

/** Loads entities by id, skipping ids deleted since the list was read. */
async function present<T>(loads: Promise<Array<T | null | Error>>): Promise<T[]> {
  return (await loads).filter((r): r is T => r !== null && !(r instanceof Error));
}

export const Product: ProductResolvers = {
  id: (p) => String(p.id),
  category: (p, _, ctx) => required('Category', p.categoryId, ctx.loaders.category.load(p.categoryId)),
  reviews: async (p, { first }, ctx) => {
    const ids = await ctx.loaders.reviewIdsByProduct.load({ parentId: p.id, first: parseFirst(first) });
    return present(ctx.loaders.review.loadMany(ids));
  },
  reviewCount: async (p, _, ctx) => (await ctx.loaders.ratingStats.load(p.id)).count,
  averageRating: async (p, _, ctx) => (await ctx.loaders.ratingStats.load(p.id)).average,
};

export const Category: CategoryResolvers = {
  id: (c) => String(c.id),
  products: (c, { first, after }, ctx) =>
    ctx.loaders.productPage.load({ categoryId: c.id, first: parseFirst(first), afterId: after == null ? 0 : decodeCursor(after) }),
};

export const Review: ReviewResolvers = {
  id: (r) => String(r.id),
  author: (r, _, ctx) => required('User', r.authorId, ctx.loaders.user.load(r.authorId)),
  product: (r, _, ctx) => required('Product', r.productId, ctx.loaders.product.load(r.productId)),
};

export const ProductConnection: ProductConnectionResolvers = {
  edges: (page) => page.ids.map((id) => ({ id, cursor: encodeCursor(id) })),
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    endCursor: page.ids.length ? encodeCursor(page.ids[page.ids.length - 1]!) : null,
  }),
  totalCount: (page, _, ctx) => ctx.loaders.productCount.load(page.key.categoryId ?? 0),
};

export const ProductEdge: ProductEdgeResolvers = {
  node: (edge, _, ctx) => required('Product', edge.id, ctx.loaders.product.load(edge.id)),
};
