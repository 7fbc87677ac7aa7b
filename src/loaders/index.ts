/**
 * The per-request loader set and data access. Build one per request (never
 * share across requests: DataLoader memoizes, and per-viewer loaders must not
 * leak).
 */
import { type CatalogLoaders, createCatalogLoaders } from './catalog-loaders.js';
import { countingReads } from './counting-reads.js';
import type { LoaderDeps, RequestScope } from './loader-deps.js';
import { createPrivateLoaders, type PrivateLoaders } from './private-loaders.js';
import { createRelationLoaders, type RelationLoaders } from './relation-loaders.js';
import { createRequestData } from './request-data.js';

export function createLoaders(shared: LoaderDeps, scope: RequestScope): RequestLoaders {
  // Reads through this request's view of the client count its SQL statements.
  return new RequestLoaders(
    { ...shared, prisma: countingReads(shared.prisma, scope.stats) },
    scope,
  );
}

/**
 * One request's loaders. The catalog loaders are made per model on first
 * use (catalog-loaders.ts); the relation and private ones, which most
 * requests never touch, on first read of one of them. A class, so that
 * the lazy ones are prototype getters rather than accessors defined on
 * every request's object.
 */
class RequestLoaders {
  readonly entity: CatalogLoaders['entity'];
  readonly page: CatalogLoaders['page'];
  readonly count: CatalogLoaders['count'];
  readonly newest: CatalogLoaders['newest'];
  readonly allIds: CatalogLoaders['allIds'];
  private relations: RelationLoaders | undefined;
  private personal: PrivateLoaders | undefined;

  constructor(
    private readonly deps: LoaderDeps,
    private readonly scope: RequestScope,
  ) {
    const catalog = createCatalogLoaders(deps, scope);
    this.entity = catalog.entity;
    this.page = catalog.page;
    this.count = catalog.count;
    this.newest = catalog.newest;
    this.allIds = catalog.allIds;
  }

  get ratingStats(): RelationLoaders['ratingStats'] {
    return (this.relations ??= createRelationLoaders(this.deps, this.scope)).ratingStats;
  }

  get userPrivate(): PrivateLoaders['userPrivate'] {
    return this.own().userPrivate;
  }

  get ordersByUser(): PrivateLoaders['ordersByUser'] {
    return this.own().ordersByUser;
  }

  get orderItems(): PrivateLoaders['orderItems'] {
    return this.own().orderItems;
  }

  private own(): PrivateLoaders {
    return (this.personal ??= createPrivateLoaders(this.deps, this.scope));
  }
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The loaders and the synchronous L1 fast path over them, for one request. */
export function createRequestLoaders(shared: LoaderDeps, scope: RequestScope) {
  const loaders = createLoaders(shared, scope);
  return { loaders, data: createRequestData(shared, scope, loaders) };
}

export type { LoaderDeps, RequestScope } from './loader-deps.js';
export { andThen, type MaybePromise, type RequestData } from './request-data.js';
