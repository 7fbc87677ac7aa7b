/**
 * The playground page and its asset handler on a plain node:http server, and
 * (when /usr/bin/chromium exists) in a real headless browser against a tiny
 * fake GraphQL endpoint, checking that the IDE renders fully offline.
 */
import { existsSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { buildSchema, graphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PLAYGROUND_QUERY,
  PLAYGROUND_CSP,
  createPlaygroundAssetHandler,
  createPlaygroundRoute,
  playgroundAssets,
  playgroundHtml,
  sendPlaygroundPage,
  wantsPlayground,
} from '../../src/server/playground/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ASSET_BASE = '/graphql/assets';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const schema = buildSchema(`
  type Query { products(first: Int): ProductConnection! }
  type Mutation { login(email: String!, password: String!): AuthPayload! }
  type AuthPayload { token: String! }
  type ProductConnection { edges: [ProductEdge!]! }
  type ProductEdge { node: Product! }
  type Product { name: String! priceCents: Int! category: Category! reviews(first: Int): [Review!]! }
  type Category { name: String! }
  type Review { rating: Int! author: User! }
  type User { name: String! }
`);
const rootValue = {
  products: () => ({
    edges: [
      {
        node: {
          name: 'Fake Oak Lamp',
          priceCents: 4999,
          category: { name: 'Lighting' },
          reviews: [{ rating: 5, author: { name: 'Ada' } }],
        },
      },
    ],
  }),
};

/**
 * The fake API: the playground route first (as the real server uses it), a
 * second playground assembled from the parts under /alt, and graphql-js for POSTs.
 */
function createServer(): http.Server {
  const playground = createPlaygroundRoute('/graphql');
  const altAssets = createPlaygroundAssetHandler('/alt/static/');
  const altHtml = playgroundHtml({ endpoint: '/graphql', assetBase: '/alt/static' });
  return http.createServer((req: IncomingMessage, res: ServerResponse) => {
    if (playground(req, res) || altAssets(req, res)) return;
    if (req.url === '/alt' && wantsPlayground(req)) return sendPlaygroundPage(req, res, altHtml);
    if (req.url === '/graphql' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { query, variables, operationName } = JSON.parse(body) as {
          query: string;
          variables?: Record<string, unknown>;
          operationName?: string;
        };
        operations.push(operationName ?? '');
        void graphql({
          schema,
          source: query,
          rootValue,
          variableValues: variables,
          operationName,
        }).then((result) => {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
        });
      });
      return;
    }
    res.writeHead(404).end();
  });
}

/** Operation names the fake endpoint was asked to run, to prove the IDE introspected it. */
const operations: string[] = [];
let server: http.Server;
let origin: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('playground page', () => {
  it('contains no http:// or https:// URL other than loopback', () => {
    const html = playgroundHtml();
    const urls = html.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
    expect(urls.filter((url) => !LOOPBACK.has(new URL(url).hostname))).toEqual([]);
    expect(html).not.toMatch(/cdn|unpkg|jsdelivr/i);
  });

  it('loads every asset from the asset base and holds no inline script', () => {
    const html = playgroundHtml({ assetBase: '/ide/' });
    const srcs = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    expect(srcs.filter((attrs) => attrs.includes('src='))).toHaveLength(4);
    for (const attrs of srcs)
      expect(attrs).toMatch(/src="\/ide\/[\w.-]+\.js"|type="application\/json"/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/ide\/graphiql\.min\.[0-9a-f]{12}\.css">/);
  });

  it('embeds the default operation as JSON that cannot close its script element', () => {
    expect(playgroundHtml()).toContain('products(first: 5)');
    const html = playgroundHtml({ defaultQuery: '# </script><script>alert(1)</script>' });
    expect(html).not.toContain('</script><script>alert(1)');
    expect(DEFAULT_PLAYGROUND_QUERY).toMatch(/login/);
    expect(DEFAULT_PLAYGROUND_QUERY).toMatch(/Authorization/);
  });

  it('rejects endpoints on other origins and asset bases that are not plain paths', () => {
    expect(() => playgroundHtml({ endpoint: 'https://example.org/graphql' })).toThrow(
      /same-origin path/,
    );
    expect(() => playgroundHtml({ endpoint: '//example.org/graphql' })).toThrow(/same-origin path/);
    expect(() => playgroundHtml({ assetBase: '/a"><script>' })).toThrow(/assetBase/);
  });

  it('serves the page only to browser navigations', async () => {
    const page = await fetch(`${origin}/graphql`, { headers: { Accept: 'text/html' } });
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
    // Not for the playground: the fake server answers these with 404 (the real one with the API).
    expect(
      (await fetch(`${origin}/graphql`, { headers: { Accept: 'application/json' } })).status,
    ).toBe(404);
    expect(
      (
        await fetch(`${origin}/graphql?query=%7B__typename%7D`, {
          headers: { Accept: 'text/html' },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fetch(`${origin}/graphql`, {
          method: 'POST',
          headers: { Accept: 'text/html' },
          body: '{}',
        })
      ).status,
    ).toBe(200);
  });

  it('works from its parts under another asset base', async () => {
    const html = await (await fetch(`${origin}/alt`, { headers: { Accept: 'text/html' } })).text();
    const src = html.match(/src="(\/alt\/static\/graphiql\.min\.[0-9a-f]+\.js)"/)?.[1];
    expect(src).toBeDefined();
    expect((await fetch(`${origin}${src}`)).status).toBe(200);
  });

  it('allows only its own origin in the CSP', () => {
    expect(PLAYGROUND_CSP).not.toMatch(/https?:|\*/);
    expect(PLAYGROUND_CSP).toContain("script-src 'self';");
    expect(PLAYGROUND_CSP).toContain("connect-src 'self'");
  });
});

describe('playground asset handler', () => {
  const url = (key: 'graphiqlJs' | 'graphiqlCss') =>
    `${origin}${ASSET_BASE}/${playgroundAssets().get(key)!.fileName}`;

  it('serves each asset with its type, a long cache lifetime and the CSP', async () => {
    for (const asset of playgroundAssets().values()) {
      const res = await fetch(`${origin}${ASSET_BASE}/${asset.fileName}`, {
        headers: { 'Accept-Encoding': 'identity' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(asset.contentType);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
      expect(Buffer.from(await res.arrayBuffer()).equals(asset.body)).toBe(true);
    }
  });

  it('answers 304 to a matching ETag and gzips when asked', async () => {
    const first = await fetch(url('graphiqlCss'));
    const etag = first.headers.get('etag')!;
    expect((await fetch(url('graphiqlCss'), { headers: { 'If-None-Match': etag } })).status).toBe(
      304,
    );

    const raw = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      http
        .get(url('graphiqlJs'), { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (p: Buffer) => parts.push(p));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(parts) }),
          );
        })
        .on('error', reject);
    });
    expect(raw.encoding).toBe('gzip');
    expect(gunzipSync(raw.body).equals(playgroundAssets().get('graphiqlJs')!.body)).toBe(true);
  });

  it('leaves other paths to the caller and refuses writes to its own', async () => {
    expect((await fetch(`${origin}${ASSET_BASE}/graphiql.min.js`)).status).toBe(404);
    expect((await fetch(`${origin}${ASSET_BASE}/../package.json`)).status).toBe(404);
    expect((await fetch(url('graphiqlJs'), { method: 'POST' })).status).toBe(405);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('playground in headless Chromium', () => {
  it(
    'renders GraphiQL, runs the default query, and touches no host but loopback',
    { timeout: 90_000 },
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const requested: string[] = [];
        const problems: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });

        await page.goto(`${origin}/graphql`, { waitUntil: 'networkidle' });
        await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 30_000 });
        await expect(page.locator('.graphiql-query-editor').textContent()).resolves.toContain(
          'products(first: 5)',
        );

        await page.locator('.graphiql-execute-button').click();
        await page
          .locator('.graphiql-response')
          .getByText('Fake Oak Lamp')
          .waitFor({ timeout: 15_000 });
        if (process.env.PLAYGROUND_SCREENSHOT)
          await page.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT });

        const foreign = requested.filter(
          (u) => !u.startsWith('data:') && !LOOPBACK.has(new URL(u).hostname),
        );
        expect(foreign).toEqual([]);
        expect(operations).toContain('IntrospectionQuery');
        expect(operations).toContain('Catalog');
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
