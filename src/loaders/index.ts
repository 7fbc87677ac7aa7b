/**
 * The per-request loader set and data access. Build one per request (never
 * share across requests: DataLoader memoizes, and per-viewer loaders must not
 * leak).
 */
import { createCatalogLoaders } from './catalog-loaders.js';
import { countingReads } from './counting-reads.js';
import type { LoaderDeps, RequestScope } from './loader-deps.js';
import { createPrivateLoaders, type PrivateLoaders } from './private-loaders.js';
import { createRelationLoaders, type RelationLoaders } from './relation-loaders.js';
import { createRequestData } from './request-data.js';

export function createLoaders(shared: LoaderDeps, scope: RequestScope) {
  // Reads through this request's view of the client count its SQL statements.
  const deps: LoaderDeps = { ...shared, prisma: countingReads(shared.prisma, scope.stats) };
  // Most requests use few of these: they are made on first use, not per request.
  let relations: RelationLoaders | undefined;
  let personal: PrivateLoaders | undefined;
  const related = () => (relations ??= createRelationLoaders(deps, scope));
  const own = () => (personal ??= createPrivateLoaders(deps, scope));
  return {
    ...createCatalogLoaders(deps, scope),
    get ratingStats() {
      return related().ratingStats;
    },
    get userPrivate() {
      return own().userPrivate;
    },
    get ordersByUser() {
      return own().ordersByUser;
    },
    get orderItems() {
      return own().orderItems;
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The loaders and the synchronous L1 fast path over them, for one request. */
export function createRequestLoaders(shared: LoaderDeps, scope: RequestScope) {
  const loaders = createLoaders(shared, scope);
  return { loaders, data: createRequestData(shared, scope, loaders) };
}

export type { LoaderDeps, RequestScope } from './loader-deps.js';
export { andThen, type MaybePromise, type RequestData } from './request-data.js';
