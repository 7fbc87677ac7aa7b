import type { OrderItemResolvers, OrderResolvers, UserResolvers } from '../generated/resolvers-types.js';
import { andThen } from '../../loaders/index.js';
import { parseFirst } from '../args.js';
import { canSeePrivate } from './guards.js';
import { NotFoundError } from '../../errors/app-error.js';

export const User: UserResolvers = {
  id: (u) => String(u.id),
  reviews: (u, { first }, ctx) => andThen(ctx.data.reviewIdsByAuthor({ parentId: u.id, first: parseFirst(first) }), (ids) => ctx.data.reviews(ids)),
  // Private fields: authorized first, then loaded per request, never from the shared cache.
  email: async (u, _, ctx) => (canSeePrivate(ctx, u.id) ? ((await ctx.loaders.userPrivate.load(u.id))?.email ?? null) : null),
  orders: (u, { first }, ctx) => (canSeePrivate(ctx, u.id) ? ctx.loaders.ordersByUser.load({ parentId: u.id, first: parseFirst(first) }) : null),
};

export const Order: OrderResolvers = {
  id: (o) => String(o.id),
  items: (o, _, ctx) => ctx.loaders.orderItems.load(o.id),
};

export const OrderItem: OrderItemResolvers = {
  product: (item, _, ctx) =>
    andThen(ctx.data.product(item.productId), (product) => {
      if (!product) throw new NotFoundError('Product', String(item.productId));
      return product;
    }),
};
