/**
 * Sign-in, profile and orders.
 */
import bcrypt from 'bcryptjs';
import {
  AppError,
  BadInputError,
  InsufficientStockError,
  NotFoundError,
  UnauthenticatedError,
} from '../../errors/app-error.js';
import { ErrorCode } from '../../errors/codes.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';
import { parseId, parseIntRange, parseText } from '../args.js';
import { requireViewer, write } from './guards.js';

/** Compared against when the email is unknown, so response time does not reveal which accounts exist. */
let dummyHash: Promise<string> | undefined;
const unknownUserHash = () => (dummyHash ??= bcrypt.hash(`no-such-user-${Math.random()}`, 10));
const MAX_ITEMS = 50;

export const accountMutations: Pick<MutationResolvers, 'login' | 'updateProfile' | 'placeOrder'> = {
  login: async (_, { email, password }, ctx) => {
    if (email.length > 320 || password.length > 200)
      throw new BadInputError('email or password too long');
    const user = await ctx.db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    const ok = await bcrypt.compare(password, user?.passwordHash ?? (await unknownUserHash()));
    if (!user || !ok) throw new UnauthenticatedError('Wrong email or password');
    const token = await ctx.tokens.sign({ id: user.id, role: user.role });
    return { token, user };
  },
  updateProfile: async (_, { input }, ctx) => {
    const viewer = requireViewer(ctx);
    if (input.name == null)
      throw new BadInputError('input must change at least one field', { argument: 'input' });
    const name = parseText(input.name, 'input.name', 1, 200);
    return write('User', String(viewer.id), () =>
      ctx.db.user.update({ where: { id: viewer.id }, data: { name } }),
    );
  },
  placeOrder: async (_, { input }, ctx) => {
    const viewer = requireViewer(ctx);
    if (input.items.length === 0 || input.items.length > MAX_ITEMS) {
      throw new BadInputError(`an order has 1 to ${MAX_ITEMS} items`, { argument: 'input.items' });
    }
    const quantities = new Map<number, number>();
    for (const item of input.items) {
      const productId = parseId(item.productId, 'input.items.productId');
      const quantity = parseIntRange(item.quantity, 'input.items.quantity', 1, 1000);
      quantities.set(productId, (quantities.get(productId) ?? 0) + quantity);
    }
    // Stock is checked and taken atomically: the conditional decrement only
    // matches while enough is left, and any shortage rolls the whole order back.
    return ctx.db.$transaction(async (tx) => {
      let total = 0;
      const items: Array<{ productId: number; quantity: number; unitPriceCents: number }> = [];
      for (const [productId, quantity] of [...quantities].sort(([a], [b]) => a - b)) {
        const taken = await tx.product.updateManyAndReturn({
          where: { id: productId, stock: { gte: quantity } },
          data: { stock: { decrement: quantity } },
        });
        const product = taken[0];
        if (!product) {
          const current = await tx.product.findUnique({
            where: { id: productId },
            select: { stock: true },
          });
          if (!current) throw new NotFoundError('Product', String(productId));
          throw new InsufficientStockError(String(productId), quantity, current.stock);
        }
        total += product.priceCents * quantity;
        items.push({ productId, quantity, unitPriceCents: product.priceCents });
      }
      if (total > 2_147_483_647)
        throw new AppError(ErrorCode.BAD_USER_INPUT, 'order total is too large');
      return tx.order.create({
        data: { userId: viewer.id, totalCents: total, items: { createMany: { data: items } } },
      });
    });
  },
};
