/**
 * Per-request loaders for per-viewer data (a user's email, orders and order
 * items). They bypass the shared cache entirely (promise 7): the resolvers
 * authorize first, then load through these.
 */
import DataLoader from 'dataloader';
import type { Order, OrderItem, Role } from '../generated/prisma/client.js';
import { groupBy, type LoaderDeps, type RequestScope } from './loader-deps.js';
import type { ChildKey } from './catalog-loaders.js';

export interface UserPrivate {
  id: number;
  email: string;
  role: Role;
}

export function createPrivateLoaders({ prisma }: LoaderDeps, scope: RequestScope) {
  // Per-viewer data: a response that reads it is never reused.
  const privateRead = () => scope.reads?.spoil('per-viewer data was read');
  return {
    userPrivate: new DataLoader<number, UserPrivate | null>(async (ids) => {
      privateRead();
      const rows = await prisma.user.findMany({
        where: { id: { in: [...ids] } },
        select: { id: true, email: true, role: true },
      });
      const map = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => map.get(id) ?? null);
    }),
    ordersByUser: new DataLoader<ChildKey, Order[], string>(
      async (keys) => {
        privateRead();
        const out = new Map<string, Order[]>();
        for (const [first, group] of groupBy(keys, (k) => String(k.first))) {
          const users = group.map((k) => k.parentId);
          const rows = await prisma.$queryRaw<Order[]>`
            SELECT id, "userId", status, "totalCents", version, "createdAt", "updatedAt" FROM (
              SELECT *, row_number() OVER (PARTITION BY "userId" ORDER BY "createdAt" DESC, id DESC) AS rank
              FROM "Order" WHERE "userId" = ANY(${users}::int[])
            ) ranked WHERE rank <= ${Number(first)} ORDER BY "userId", rank`;
          for (const [userId, orders] of groupBy(rows, (r) => String(r.userId)))
            out.set(`${userId}:${first}`, orders);
        }
        return keys.map((k) => out.get(`${k.parentId}:${k.first}`) ?? []);
      },
      { cacheKeyFn: (k) => `${k.parentId}:${k.first}` },
    ),
    orderItems: new DataLoader<number, OrderItem[]>(async (orderIds) => {
      privateRead();
      const rows = await prisma.orderItem.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: { id: 'asc' },
      });
      const byOrder = groupBy(rows, (r) => String(r.orderId));
      return orderIds.map((id) => byOrder.get(String(id)) ?? []);
    }),
  };
}

export type PrivateLoaders = ReturnType<typeof createPrivateLoaders>;
