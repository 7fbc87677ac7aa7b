/**
 * An offline GraphQL IDE (GraphiQL 3 on React 18, both from node_modules)
 * for browsers at GET /graphql. Simplest use: `createPlaygroundRoute('/graphql')`
 * as the first route of the HTTP server; the parts are exported for servers
 * that route differently.
 */
export {
  DEFAULT_ASSET_BASE,
  createPlaygroundAssetHandler,
  playgroundAssets,
  type PlaygroundAsset,
  type PlaygroundAssetHandler,
  type PlaygroundAssetKey,
} from './assets.js';
export { PLAYGROUND_CSP, PLAYGROUND_SECURITY_HEADERS } from './csp.js';
export {
  DEFAULT_PLAYGROUND_QUERY,
  PLAYGROUND_HEADERS,
  PLAYGROUND_TABS,
  playgroundHtml,
  type PlaygroundHtmlOptions,
} from './html.js';
export { sendPlaygroundPage, wantsPlayground } from './page.js';
export { createPlaygroundRoute } from './route.js';
