/**
 * Starts the API: builds the app, listens, drains on SIGINT/SIGTERM.
 * `node dist/src/server/main.js` (production) or via scripts/dev.ts.
 *
 * Start-up failures end in one line on stderr, never a stack trace or a
 * secret: exit code 2 for a configuration problem (a bad setting, a port in
 * use), 1 for anything else (the database unreachable, ...).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { type Config, loadConfig } from '../config/config.js';
import { explainDatabaseError } from '../db/seed/explain-error.js';
import { ConfigError } from '../errors/app-error.js';
import { createApp } from './app.js';
import { createHttpServer } from './http.js';
import { drainHttpServer, Lifecycle } from './lifecycle.js';
import { createPlaygroundRoute } from './playground/index.js';

export interface RunningServer {
  url: string;
  /**
   * Drains (no new connections, in-flight requests finish within
   * SHUTDOWN_TIMEOUT_MS), then closes the change feed, Redis and the
   * database. Resolves true when no request had to be cut.
   */
  close(): Promise<boolean>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const app = await createApp(config);
  const lifecycle = new Lifecycle();
  const server = createHttpServer(app, {
    lifecycle,
    playground: config.production ? undefined : createPlaygroundRoute('/graphql'),
  });
  try {
    await listen(server, config);
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}/graphql`;
  app.logger.info(
    {
      url,
      port,
      database: config.database.url ? 'postgresql' : 'embedded PGlite',
      cache: config.cache.mode,
      namespace: app.namespace,
    },
    'API listening',
  );
  let closing: Promise<boolean> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        app.logger.info(
          { inFlight: lifecycle.inFlightCount, timeoutMs: config.shutdownTimeoutMs },
          'draining: no new connections, finishing requests in flight',
        );
        const clean = await drainHttpServer(server, lifecycle, config.shutdownTimeoutMs);
        if (!clean)
          app.logger.warn(
            { timeoutMs: config.shutdownTimeoutMs },
            'drain timed out: remaining connections were closed',
          );
        await app.close();
        app.logger.info('stopped');
        return clean;
      })()),
  };
}

function listen(server: Server, config: Config): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      if (error.code === 'EADDRINUSE')
        reject(
          new ConfigError(
            `PORT=${config.port}: ${where} is already in use; stop the other process or choose another PORT`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(
          new ConfigError(
            `PORT=${config.port}: not allowed to listen on ${where}; choose a PORT above 1023`,
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL')
        reject(
          new ConfigError(`HOST=${JSON.stringify(config.host)}: no such address on this machine`),
        );
      else reject(error);
    });
    server.listen(config.port, config.host, () => resolve());
  });
}

/** Prisma's driver-adapter error kinds, as the codes explainDatabaseError knows. */
const ADAPTER_KINDS: Record<string, string> = {
  DatabaseNotReachable: 'P1001',
  DatabaseDoesNotExist: 'P1003',
  AuthenticationFailed: 'P1000',
  TableDoesNotExist: 'P2021',
};

/** One line for a start-up failure, and its exit code. */
export function describeStartupError(
  error: unknown,
  config?: Config,
): { line: string; exitCode: number } {
  if (error instanceof ConfigError) return { line: error.message, exitCode: 2 };
  const kind = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null)
    ?.meta?.driverAdapterError?.cause?.kind;
  const database =
    config &&
    explainDatabaseError(
      kind && ADAPTER_KINDS[kind] ? { code: ADAPTER_KINDS[kind] } : error,
      config.database,
    );
  if (database) return { line: database, exitCode: 1 };
  // Prisma's messages start with a blank line and the call site; the cause is last.
  const message = error instanceof Error ? error.message : String(error);
  const last =
    message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? 'unknown error';
  return { line: `Could not start: ${last}`, exitCode: 1 };
}

async function main(): Promise<void> {
  let config: Config | undefined;
  let running: RunningServer;
  try {
    config = loadConfig();
    running = await startServer(config);
  } catch (error) {
    const { line, exitCode } = describeStartupError(error, config);
    process.stderr.write(`catalog-api: ${line}\n`);
    process.exit(exitCode);
  }
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        process.stderr.write(
          `catalog-api: second ${signal}: exiting without waiting for the drain\n`,
        );
        process.exit(1);
      }
      stopping = true;
      running.close().then(
        (clean) => process.exit(clean ? 0 : 1),
        (error: unknown) => {
          process.stderr.write(
            `catalog-api: error while stopping: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(1);
        },
      );
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
