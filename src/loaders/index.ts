/**
 * The per-request loader set. Build one per request (never share across
 * requests: DataLoader memoizes, and per-viewer loaders must not leak).
 */
import { createEntityLoaders } from './entity-loaders.js';
import type { LoaderDeps } from './loader-deps.js';
import { createPrivateLoaders } from './private-loaders.js';
import { createProductPageLoaders } from './product-page-loaders.js';
import { createRelationLoaders } from './relation-loaders.js';

export function createLoaders(deps: LoaderDeps) {
  return {
    ...createEntityLoaders(deps),
    ...createRelationLoaders(deps),
    ...createProductPageLoaders(deps),
    ...createPrivateLoaders(deps),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
export type { LoaderDeps } from './loader-deps.js';
