import { NotFoundError } from '../../errors/app-error.js';
import { andThen, type MaybePromise } from '../../loaders/index.js';
import { decodeCursor, encodeCursor } from '../../loaders/pages.js';
import { parseFirst } from '../args.js';
import type { CategoryResolvers, ProductConnectionResolvers, ProductEdgeResolvers, ProductResolvers, ReviewResolvers } from '../generated/resolvers-types.js';

/**
 * A required relation; a dangling reference is a NOT_FOUND, never a null in a
 * non-null field. Synchronous when the value came from L1.
 */
function required<T>(what: string, id: number, value: MaybePromise<T | null>): MaybePromise<T> {
  return andThen(value, (row) => {
    if (!row) throw new NotFoundError(what, String(id));
    return row;
  });
}

export const Product: ProductResolvers = {
  id: (p) => String(p.id),
  category: (p, _, ctx) => required('Category', p.categoryId, ctx.data.category(p.categoryId)),
  reviews: (p, { first }, ctx) => andThen(ctx.data.reviewIdsByProduct({ parentId: p.id, first: parseFirst(first) }), (ids) => ctx.data.reviews(ids)),
  reviewCount: (p, _, ctx) => andThen(ctx.data.ratingStats(p.id), (s) => s.count),
  averageRating: (p, _, ctx) => andThen(ctx.data.ratingStats(p.id), (s) => s.average),
};

export const Category: CategoryResolvers = {
  id: (c) => String(c.id),
  products: (c, { first, after }, ctx) =>
    ctx.data.productPage({ categoryId: c.id, first: parseFirst(first), afterId: after == null ? 0 : decodeCursor(after) }),
};

export const Review: ReviewResolvers = {
  id: (r) => String(r.id),
  author: (r, _, ctx) => required('User', r.authorId, ctx.data.user(r.authorId)),
  product: (r, _, ctx) => required('Product', r.productId, ctx.data.product(r.productId)),
};

export const ProductConnection: ProductConnectionResolvers = {
  edges: (page) => page.ids.map((id) => ({ id, cursor: encodeCursor(id) })),
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    endCursor: page.ids.length ? encodeCursor(page.ids[page.ids.length - 1]!) : null,
  }),
  totalCount: (page, _, ctx) => ctx.data.productCount(page.key.categoryId ?? 0),
};

export const ProductEdge: ProductEdgeResolvers = {
  node: (edge, _, ctx) => required('Product', edge.id, ctx.data.product(edge.id)),
};
