/**
 * Per-request DataLoaders for entities by id: one batch per tick, through L1,
 * L2 and one `findMany({ where: { id: { in } } })` for what is left.
 */
import DataLoader from 'dataloader';
import { type PublicUser, publicUserSelect } from '../db/cached-shapes.js';
import type { Category, Product, Review } from '../generated/prisma/client.js';
import { type LoaderDeps, loadEntities, type RequestScope } from './loader-deps.js';

export function createEntityLoaders(deps: LoaderDeps, scope: RequestScope) {
  const { prisma } = deps;
  return {
    product: new DataLoader<number, Product | null>((ids) =>
      loadEntities(deps, scope, 'Product', ids, (missing) => prisma.product.findMany({ where: { id: { in: missing } } })),
    ),
    category: new DataLoader<number, Category | null>((ids) =>
      loadEntities(deps, scope, 'Category', ids, (missing) => prisma.category.findMany({ where: { id: { in: missing } } })),
    ),
    review: new DataLoader<number, Review | null>((ids) =>
      loadEntities(deps, scope, 'Review', ids, (missing) => prisma.review.findMany({ where: { id: { in: missing } } })),
    ),
    /** Public fields only: email, role and password hash never enter the shared cache. */
    user: new DataLoader<number, PublicUser | null>((ids) =>
      loadEntities(deps, scope, 'User', ids, (missing) =>
        prisma.user.findMany({ where: { id: { in: missing } }, select: publicUserSelect }),
      ),
    ),
  };
}

export type EntityLoaders = ReturnType<typeof createEntityLoaders>;
