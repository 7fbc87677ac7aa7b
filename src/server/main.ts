/**
 * Starts the API: builds the app, listens, drains on SIGINT/SIGTERM.
 * `node dist/src/server/main.js` (production) or via scripts/dev.ts.
 */
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { type Config, loadConfig } from '../config/config.js';
import { createApp } from './app.js';
import { createHttpServer } from './http.js';
import { createPlaygroundRoute } from './playground/index.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const app = await createApp(config);
  const server = createHttpServer(app, { playground: config.production ? undefined : createPlaygroundRoute('/graphql') });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;
  app.logger.info({ url, database: config.database.url ? 'postgresql' : 'embedded PGlite', cache: config.cache.mode }, 'API listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await app.close();
      })()),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await startServer(loadConfig());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void running.close().then(() => process.exit(0));
    });
  }
}
