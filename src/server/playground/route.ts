/**
 * The whole playground as one node:http route: the page at the endpoint for
 * browsers, and its assets under `${endpoint}/assets`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPlaygroundAssetHandler } from './assets.js';
import { playgroundHtml } from './html.js';
import { sendPlaygroundPage, wantsPlayground } from './page.js';

/**
 * Returns a handler that serves the playground page for browser navigations
 * to `endpoint` and the assets below it, and returns false for every other
 * request (GraphQL clients included) so the caller keeps routing. Reads the
 * asset files when called, so a missing package fails at start-up.
 */
export function createPlaygroundRoute(
  endpoint = '/graphql',
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const assetBase = `${endpoint.replace(/\/+$/, '')}/assets`;
  const assets = createPlaygroundAssetHandler(assetBase);
  const html = playgroundHtml({ endpoint, assetBase });
  return (req, res) => {
    if (assets(req, res)) return true;
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== endpoint || !wantsPlayground(req)) return false;
    sendPlaygroundPage(req, res, html);
    return true;
  };
}
