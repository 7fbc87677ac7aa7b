/**
 * The playground's static files, served from node_modules so the page works
 * offline and loads nothing from a CDN. Each file is read once, kept in
 * memory and served under a content-hashed name, so browsers may cache it for
 * a year and still see a new version the moment a package is upgraded.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PLAYGROUND_BOOTSTRAP_JS } from './bootstrap.js';
import { PLAYGROUND_SECURITY_HEADERS } from './csp.js';

export type PlaygroundAssetKey = 'react' | 'reactDom' | 'graphiqlJs' | 'graphiqlCss' | 'bootstrap';

export interface PlaygroundAsset {
  /** File name under the asset base, with a content hash: `graphiql.min.1a2b3c4d.js`. */
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

/** Handles a request if it is for a playground asset; false means "not mine, keep routing". */
export type PlaygroundAssetHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export const DEFAULT_ASSET_BASE = '/graphql/assets';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const require = createRequire(import.meta.url);

/** react and react-dom do not export their umd/ folder, so resolve from the package root. */
function umdFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'umd', file);
}

function asset(name: string, contentType: string, body: Buffer): PlaygroundAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const ext = path.extname(name);
  return {
    fileName: `${name.slice(0, -ext.length)}.${hash}${ext}`,
    contentType,
    body,
    etag: `"${hash}"`,
  };
}

let loaded: ReadonlyMap<PlaygroundAssetKey, PlaygroundAsset> | undefined;

/**
 * The five assets, read from disk on first use and cached for the process's
 * life (they are immutable package files). Throws if a package is missing.
 */
export function playgroundAssets(): ReadonlyMap<PlaygroundAssetKey, PlaygroundAsset> {
  loaded ??= new Map<PlaygroundAssetKey, PlaygroundAsset>([
    [
      'react',
      asset(
        'react.production.min.js',
        JS,
        readFileSync(umdFile('react', 'react.production.min.js')),
      ),
    ],
    [
      'reactDom',
      asset(
        'react-dom.production.min.js',
        JS,
        readFileSync(umdFile('react-dom', 'react-dom.production.min.js')),
      ),
    ],
    [
      'graphiqlJs',
      asset('graphiql.min.js', JS, readFileSync(require.resolve('graphiql/graphiql.min.js'))),
    ],
    [
      'graphiqlCss',
      asset('graphiql.min.css', CSS, readFileSync(require.resolve('graphiql/graphiql.min.css'))),
    ],
    ['bootstrap', asset('playground.js', JS, Buffer.from(PLAYGROUND_BOOTSTRAP_JS))],
  ]);
  return loaded;
}

/**
 * Checks and normalises an asset base path ("/graphql/assets/" → "/graphql/assets").
 * Throws a RangeError naming the value when it is not a plain absolute path,
 * because it is written into HTML attributes and matched against URLs.
 */
export function normalizeAssetBase(assetBase: string): string {
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(assetBase) || assetBase.includes('//')) {
    throw new RangeError(
      `assetBase must be an absolute path such as "${DEFAULT_ASSET_BASE}", got ${JSON.stringify(assetBase)}`,
    );
  }
  return assetBase.replace(/\/+$/, '');
}

/** The URL of each asset under `assetBase`, for the page's <script> and <link> tags. */
export function playgroundAssetUrls(assetBase: string): Record<PlaygroundAssetKey, string> {
  const base = normalizeAssetBase(assetBase);
  const urls = {} as Record<PlaygroundAssetKey, string>;
  for (const [key, a] of playgroundAssets()) urls[key] = `${base}/${a.fileName}`;
  return urls;
}

/** True unless the client refuses gzip; `gzip;q=0` is a refusal. */
function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding?.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * A node:http handler for the playground's assets under `assetBase`. It
 * answers GET/HEAD for those paths (304 on a matching ETag, gzip when
 * accepted) and returns false for every other path so the caller can route it.
 */
export function createPlaygroundAssetHandler(
  assetBase: string = DEFAULT_ASSET_BASE,
): PlaygroundAssetHandler {
  const base = normalizeAssetBase(assetBase);
  const byPath = new Map([...playgroundAssets().values()].map((a) => [`${base}/${a.fileName}`, a]));
  // Compressed on first request per asset, then kept: graphiql.min.js is 3.5 MB raw, about 0.8 MB gzipped.
  const gzipped = new Map<PlaygroundAsset, Buffer>();

  return (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const found = byPath.get(pathname);
    if (!found) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return true;
    }
    const headers: Record<string, string | number> = {
      ...PLAYGROUND_SECURITY_HEADERS,
      'Cache-Control': 'public, max-age=31536000, immutable',
      ETag: found.etag,
      Vary: 'Accept-Encoding',
    };
    if (req.headers['if-none-match'] === found.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    let body = found.body;
    if (acceptsGzip(req)) {
      body = gzipped.get(found) ?? gzipSync(found.body);
      gzipped.set(found, body);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Type'] = found.contentType;
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
