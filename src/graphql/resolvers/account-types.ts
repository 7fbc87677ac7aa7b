import type { OrderItemResolvers, OrderResolvers, UserResolvers } from '../generated/resolvers-types.js';
import { parseFirst } from '../args.js';
import { canSeePrivate } from './guards.js';
import { NotFoundError } from '../../errors/app-error.js';

export const User: UserResolvers = {
  id: (u) => String(u.id),
  reviews: async (u, { first }, ctx) => {
    const ids = await ctx.loaders.reviewIdsByAuthor.load({ parentId: u.id, first: parseFirst(first) });
    return (await ctx.loaders.review.loadMany(ids)).filter((r) => r !== null && !(r instanceof Error)) as never;
  },
  // Private fields: authorized first, then loaded per request, never from the shared cache.
  email: async (u, _, ctx) => (canSeePrivate(ctx, u.id) ? ((await ctx.loaders.userPrivate.load(u.id))?.email ?? null) : null),
  orders: (u, { first }, ctx) => (canSeePrivate(ctx, u.id) ? ctx.loaders.ordersByUser.load({ parentId: u.id, first: parseFirst(first) }) : null),
};

export const Order: OrderResolvers = {
  id: (o) => String(o.id),
  items: (o, _, ctx) => ctx.loaders.orderItems.load(o.id),
};

export const OrderItem: OrderItemResolvers = {
  product: async (item, _, ctx) => {
    const product = await ctx.loaders.product.load(item.productId);
    if (!product) throw new NotFoundError('Product', String(item.productId));
    return product;
  },
};
