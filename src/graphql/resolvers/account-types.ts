import type {
  OrderItemResolvers,
  OrderResolvers,
  UserResolvers,
} from '../generated/resolvers-types.js';
import { parseFirst } from '../args.js';
import { canSeePrivate } from './guards.js';
import { required } from './model-resolvers.js';

/** `User.id` and `User.reviews` come from the registry (model-resolvers.ts). */
export const User: UserResolvers = {
  // Private fields: authorized first, then loaded per request, never from the shared cache.
  email: async (u, _, ctx) =>
    canSeePrivate(ctx, u.id) ? ((await ctx.loaders.userPrivate.load(u.id))?.email ?? null) : null,
  orders: (u, { first }, ctx) =>
    canSeePrivate(ctx, u.id)
      ? ctx.loaders.ordersByUser.load({ parentId: u.id, first: parseFirst(first) })
      : null,
};

export const Order: OrderResolvers = {
  id: (o) => String(o.id),
  items: (o, _, ctx) => ctx.loaders.orderItems.load(o.id),
};

export const OrderItem: OrderItemResolvers = {
  product: (item, _, ctx) =>
    required('Product', item.productId, ctx.data.entity('Product', item.productId)),
};
