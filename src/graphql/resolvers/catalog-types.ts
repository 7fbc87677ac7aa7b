/**
 * Catalog fields the registry does not derive (src/graphql/resolvers/model-resolvers.ts
 * gives every model its id, its foreign-key fields both ways and its root
 * fields): rating aggregates and the connection types.
 */
import { andThen } from '../../loaders/index.js';
import { encodeCursor } from '../../loaders/pages.js';
import type {
  ProductConnectionResolvers,
  ProductEdgeResolvers,
  ProductResolvers,
} from '../generated/resolvers-types.js';
import { required } from './model-resolvers.js';

export const Product: ProductResolvers = {
  reviewCount: (p, _, ctx) => andThen(ctx.data.ratingStats(p.id), (s) => s.count),
  averageRating: (p, _, ctx) => andThen(ctx.data.ratingStats(p.id), (s) => s.average),
};

export const ProductConnection: ProductConnectionResolvers = {
  edges: (page) => page.ids.map((id) => ({ id, cursor: encodeCursor(id) })),
  pageInfo: (page) => ({
    hasNextPage: page.hasNextPage,
    endCursor: page.ids.length ? encodeCursor(page.ids[page.ids.length - 1]!) : null,
  }),
  totalCount: (page, _, ctx) => ctx.data.count(page.key.model, page.key.scope),
};

export const ProductEdge: ProductEdgeResolvers = {
  node: (edge, _, ctx) => required('Product', edge.id, ctx.data.entity('Product', edge.id)),
};
