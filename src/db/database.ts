/**
 * Builds the Prisma client over PostgreSQL (DATABASE_URL) or, with no URL, the
 * embedded PGlite database, and a listener for the database's change feed
 * (the `catalog_changes` NOTIFY channel, see prisma/migrations).
 *
 * No client is created at module load: the composition root calls
 * `openDatabase` and passes the handle down.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { countingAdapterFactory } from './counting-adapter.js';

export type ChangeListener = (payload: string) => void;

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent, PGlite in `pgliteDir`. */
  url?: string;
  pgliteDir: string;
  poolSize: number;
  /**
   * How long to wait for a connection (a new one, or a free one from the
   * pool); unset: no bound. PostgreSQL only.
   */
  connectTimeoutMs?: number;
  /**
   * How long one statement may take: cancelled by the server after this
   * long, and given up by the client (which then drops the connection) if no
   * answer arrives, e.g. when the network stalls. Unset or 0: no bound.
   */
  statementTimeoutMs?: number;
  /** Called once per SQL statement the client sends. */
  onStatement: () => void;
  /** An idle pooled connection failed (server restart, terminated backend); the pool replaces it. */
  onPoolError?: (error: Error) => void;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** The plain client (no cache extension); src/db/extensions wraps it. */
  readonly prisma: PrismaClient;
  /**
   * Subscribes to a NOTIFY channel. Resolves once listening; the returned
   * function stops it. On PostgreSQL a dedicated connection is used and
   * `onReconnect` is called after it had to reconnect (notifications may have
   * been missed in between).
   */
  listen(channel: string, listener: ChangeListener, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const statementTimeout = options.statementTimeoutMs || undefined;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: statementTimeout,
    // The client-side bound fires a little later, so a database that answers
    // reports its own cancellation; a stalled one is given up on here.
    query_timeout: statementTimeout && statementTimeout + 250,
    keepAlive: true,
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  const adapter = countingAdapterFactory(new PrismaPg(pool), options.onStatement);
  const prisma = new PrismaClient({ adapter });
  const listeners: Array<() => Promise<void>> = [];
  return {
    kind: 'postgres',
    prisma,
    listen: async (channel, listener, onReconnect) => {
      const stop = await listenPostgres(url, channel, listener, onReconnect, options.connectTimeoutMs);
      listeners.push(stop);
      return stop;
    },
    close: async () => {
      await Promise.all(listeners.map((stop) => stop()));
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** LISTEN on a dedicated connection that reconnects with backoff when lost. */
async function listenPostgres(
  url: string,
  channel: string,
  listener: ChangeListener,
  onReconnect?: () => void,
  connectTimeoutMs?: number,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const quoted = `"${channel.replaceAll('"', '""')}"`;

  const connect = async (isReconnect: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
    c.on('notification', (msg) => {
      if (msg.channel === channel && msg.payload !== undefined) listener(msg.payload);
    });
    c.on('error', () => scheduleReconnect());
    c.on('end', () => scheduleReconnect());
    await c.connect();
    await c.query(`LISTEN ${quoted}`);
    client = c;
    if (isReconnect) onReconnect?.();
  };

  let attempt = 0;
  const scheduleReconnect = () => {
    if (stopped || retryTimer) return;
    client?.removeAllListeners();
    client?.end().catch(() => undefined);
    client = undefined;
    const delay = Math.min(5000, 100 * 2 ** attempt++);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect(true).then(
        () => (attempt = 0),
        () => scheduleReconnect(),
      );
    }, delay);
    retryTimer.unref();
  };

  await connect(false);
  return async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    const c = client;
    client = undefined;
    c?.removeAllListeners();
    await c?.end().catch(() => undefined);
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const dataDir = path.resolve(options.pgliteDir);
  // PGlite creates only the last folder of its data path.
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const db = new PGlite({ dataDir });
  const factory = new PrismaPGlite(db) as unknown as SqlDriverAdapterFactory;
  const prisma = new PrismaClient({ adapter: countingAdapterFactory(factory, options.onStatement) });
  return {
    kind: 'pglite',
    prisma,
    listen: async (channel, listener) => {
      const unlisten = await db.listen(channel, listener);
      return async () => unlisten();
    },
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
