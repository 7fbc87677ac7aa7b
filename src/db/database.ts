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
import { lockDataDir } from './pglite-lock.js';
import type { Replica } from './replica-router.js';

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
  /**
   * Prisma's error format. Any other than 'minimal' captures a stack trace on
   * every query, to point at the calling line when one fails (~9 µs of CPU a
   * query; production uses 'minimal'). Default: Prisma's.
   */
  errorFormat?: 'minimal' | 'colorless' | 'pretty';
  /** PostgreSQL streaming replicas for reads (with `url` only); each gets its own pool of `poolSize`. */
  replicaUrls?: readonly string[];
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
  listen(
    channel: string,
    listener: ChangeListener,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  /** Read replicas (empty without any), and the primary's WAL position they are compared with. */
  readonly replicas: readonly Replica[];
  primaryLsn(): Promise<string>;
  /** The pool's connections right now, or null without a pool (PGlite). */
  poolStats(): { total: number; idle: number; waiting: number; max: number } | null;
  /** SQL outside Prisma: rows of one query, or a multi-statement script in one simple query (migrations). */
  readonly raw: {
    query<T>(sql: string): Promise<T[]>;
    runScript(sql: string): Promise<void>;
  };
  close(): Promise<void>;
}

/** The embedded data directory exists but PGlite cannot open it (damaged, or written by two processes at once). */
export class EmbeddedDatabaseError extends Error {
  constructor(
    readonly dataDir: string,
    cause: unknown,
  ) {
    const reason = String((cause as Error)?.message ?? cause).split('\n')[0];
    super(
      `The embedded database in ${dataDir} cannot be opened (${reason}); if it is damaged, \`npm run dev -- --reset\` deletes it and starts over`,
      {
        cause,
      },
    );
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

function createPool(url: string, options: DatabaseOptions): pg.Pool {
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
  return pool;
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = createPool(url, options);
  const prisma = new PrismaClient({
    adapter: countingAdapterFactory(new PrismaPg(pool), options.onStatement),
    errorFormat: options.errorFormat,
  });
  const replicas = (options.replicaUrls ?? []).map((replicaUrl) => {
    const replicaPool = createPool(replicaUrl, options);
    const replica = new PrismaClient({
      adapter: countingAdapterFactory(new PrismaPg(replicaPool), options.onStatement),
      errorFormat: options.errorFormat,
    });
    return {
      prisma: replica,
      replayLsn: async () =>
        (
          await replicaPool.query<{ lsn: string | null }>(
            'SELECT pg_last_wal_replay_lsn()::text AS lsn',
          )
        ).rows[0]?.lsn ?? null,
      close: async () => {
        await replica.$disconnect();
        await replicaPool.end();
      },
    };
  });
  const listeners: Array<() => Promise<void>> = [];
  return {
    kind: 'postgres',
    prisma,
    replicas,
    primaryLsn: async () =>
      (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn,
    raw: {
      query: async <T>(sql: string) => (await pool.query(sql)).rows as T[],
      runScript: async (sql: string) => {
        await pool.query(sql);
      },
    },
    listen: async (channel, listener, onReconnect) => {
      const stop = await listenPostgres(
        url,
        channel,
        listener,
        onReconnect,
        options.connectTimeoutMs,
      );
      listeners.push(stop);
      return stop;
    },
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: options.poolSize,
    }),
    close: async () => {
      await Promise.all(listeners.map((stop) => stop()));
      await Promise.all(replicas.map((r) => r.close()));
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
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
    });
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
  const release = lockDataDir(dataDir);
  let db: InstanceType<typeof PGlite>;
  try {
    db = new PGlite({ dataDir });
    await db.waitReady;
  } catch (error) {
    release();
    throw new EmbeddedDatabaseError(dataDir, error);
  }
  const factory = new PrismaPGlite(db) as unknown as SqlDriverAdapterFactory;
  const prisma = new PrismaClient({
    adapter: countingAdapterFactory(factory, options.onStatement),
    errorFormat: options.errorFormat,
  });
  return {
    kind: 'pglite',
    prisma,
    replicas: [],
    primaryLsn: async () => '0/0',
    raw: {
      query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
      runScript: async (sql: string) => {
        await db.exec(sql);
      },
    },
    listen: async (channel, listener) => {
      const unlisten = await db.listen(channel, listener);
      return async () => unlisten();
    },
    poolStats: () => null,
    close: async () => {
      await prisma.$disconnect();
      await db.close();
      release();
    },
  };
}
