/**
 * The playground and the storefront example (web/) in headless Chromium,
 * against the real API on a test database: the playground's docs explain
 * each field's limits, cost and cache policy, its requests carry the
 * debug-stats header and show extensions.stats; the storefront, built with
 * Vite and served by `vite preview`, lists a category, opens a product, signs
 * in and adds a review. Screenshots go to test-results/ (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createApp, type App } from '../../src/server/app.js';
import { createHttpServer } from '../../src/server/http.js';
import { createPlaygroundRoute } from '../../src/server/playground/index.js';
import { REDIS_URL } from '../helpers/env.js';
import { CUSTOMER, createFixtureDatabase } from '../helpers/fixture.js';
import type { TestDatabase } from '../helpers/test-db.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve('test-results');

describe.skipIf(!existsSync(CHROMIUM))('in headless Chromium', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let app: App;
  let server: ReturnType<typeof createHttpServer>;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    db = await createFixtureDatabase();
    const config = loadConfig({
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      REDIS_URL,
      CACHE_PREFIX: `browser${process.pid}`,
      LOG_LEVEL: 'silent',
    });
    app = await createApp(config);
    server = createHttpServer(app, { playground: createPlaygroundRoute('/graphql') });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
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
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await app?.close();
    await db?.drop();
  });

  it('playground: example tabs, the debug-stats header pre-filled, cache statistics in the response, directives in the docs', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sentHeaders: Array<Record<string, string>> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sentHeaders.push(request.headers());
    });
    await page.goto(`${origin}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 30_000 });

    // One tab per example: catalog page, product page, sign in + add a review.
    await expect(page.locator('.graphiql-tab').count()).resolves.toBe(3);
    await expect(page.locator('.graphiql-editor-tool').textContent()).resolves.toContain(
      'x-debug-stats',
    );

    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await response.getByText('sqlStatements').waitFor({ timeout: 15_000 });
    await expect(response.textContent()).resolves.toContain('l2Misses');
    expect(sentHeaders.some((h) => h['x-debug-stats'] === '1')).toBe(true);

    // The docs (from introspection) carry what the directives say.
    await page.locator('[aria-label="Show Documentation Explorer"]').click();
    await page.getByText('Query', { exact: true }).first().click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs
      .locator('.graphiql-doc-explorer-field-name', { hasText: /^products$/ })
      .first()
      .click();
    await docs
      .getByText('Rate limit: 600 per 60 s per IP', { exact: false })
      .first()
      .waitFor({ timeout: 10_000 });
    await expect(docs.textContent()).resolves.toContain(
      'Cost: 1, times first for everything below',
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'playground.png') });
    await page.close();
  });

  it('storefront: lists a category, opens a product with its reviews, signs in and adds a review', async () => {
    const { build, preview } = await import('vite');
    const configFile = path.resolve('web/vite.config.ts');
    process.env.API_URL = origin;
    await build({ configFile, logLevel: 'silent' });
    const web = await preview({
      configFile,
      logLevel: 'silent',
      preview: { port: 0, strictPort: false },
    });
    try {
      const url = web.resolvedUrls?.local[0];
      expect(url).toBeDefined();
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(url!, { waitUntil: 'networkidle' });

      await page.getByRole('link', { name: 'Category 1', exact: true }).click();
      await page.getByText('12 products').waitFor({ timeout: 10_000 });
      await page.getByRole('link', { name: 'Product 1', exact: true }).click();
      await expect(page.locator('#product-name').textContent()).resolves.toBe('Product 1');
      const reviewsBefore = await page.locator('.review').count();
      expect(reviewsBefore).toBeGreaterThan(0);

      await page.fill('#sign-in input[name=email]', CUSTOMER.email);
      await page.fill('#sign-in input[name=password]', CUSTOMER.password);
      await page.click('#sign-in button');
      await page.getByText('Signed in as Customer').waitFor({ timeout: 10_000 });

      await page.fill('#add-review textarea', 'Bought two, both perfect.');
      await page.click('#add-review button');
      await page
        .locator('.review', { hasText: 'Bought two, both perfect. — Customer' })
        .waitFor({ timeout: 10_000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'storefront.png') });
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await new Promise<void>((resolve, reject) =>
        web.httpServer.close((error) => (error ? reject(error) : resolve())),
      );
    }
  });
});
