/**
 * The per-request loader set and data access. Build one per request (never
 * share across requests: DataLoader memoizes, and per-viewer loaders must not
 * leak).
 */
import { createCatalogLoaders } from './catalog-loaders.js';
import { countingReads } from './counting-reads.js';
import type { LoaderDeps, RequestScope } from './loader-deps.js';
import { createPrivateLoaders } from './private-loaders.js';
import { createRelationLoaders } from './relation-loaders.js';
import { createRequestData } from './request-data.js';

export function createLoaders(shared: LoaderDeps, scope: RequestScope) {
  // Reads through this request's view of the client count its SQL statements.
  const deps: LoaderDeps = { ...shared, prisma: countingReads(shared.prisma, scope.stats) };
  return {
    ...createCatalogLoaders(deps, scope),
    ...createRelationLoaders(deps, scope),
    ...createPrivateLoaders(deps, scope),
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
