/**
 * The driver adapter handed to the Prisma CLI (prisma.config.ts), and the one
 * place that holds our workarounds for running migrations without Prisma's
 * native schema-engine binary (which the CLI would download from a host these
 * machines cannot reach). The CLI instead runs the WASM schema engine shipped
 * in the `prisma` package, through a driver adapter; the adapters' migration
 * support has bugs, each fixed below and named where it is fixed.
 *
 * The application's runtime never uses this file: its queries go through
 * `new PrismaClient({ adapter })` (src/db/), which needs none of these fixes.
 *
 * Known rough edge, not fixable here: `migrate deploy`/`migrate dev` exit
 * about 10 s late (a timer inside the WASM engine).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { lockDataDir } from '../src/db/pglite-lock.ts';

const PG_TYPE_NAME = 19;
const PG_TYPE_CHAR = 18;
const PG_TYPE_TEXT = 25;

/**
 * Fix 1 (prisma/orm#27403): adapter-pg rejects the catalog types `name` (OID 19)
 * and `"char"` (OID 18) that the schema engine's introspection reads ("Column
 * type 'name' could not be deserialized"). Both are text on the wire, so this
 * client reports them as `text`.
 */
class CatalogTextClient extends pg.Client {
  override query(...args: unknown[]): never {
    // pg.Pool calls this with a trailing callback; direct callers get a promise.
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, res: pg.QueryResult) => callback(err, res && textTypes(res));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return (result instanceof Promise ? result.then(textTypes) : result) as never;
  }
}

function textTypes<R extends pg.QueryResult | pg.QueryResult[]>(res: R): R {
  for (const r of Array.isArray(res) ? res : [res]) {
    for (const field of r?.fields ?? []) {
      if (field.dataTypeID === PG_TYPE_NAME || field.dataTypeID === PG_TYPE_CHAR) {
        field.dataTypeID = PG_TYPE_TEXT;
      }
    }
  }
  return res;
}

/** The adapter's private surface that the fixes below reach into. */
interface AdapterInternals {
  client: pg.Pool;
  onError(error: unknown): never;
  executeScript(script: string): Promise<void>;
}

/**
 * Fix 4: adapter-pg's executeScript splits a script on every `;`, which breaks
 * `$$` function bodies and leaves a failed migration half-applied. Send the
 * whole script as one simple-protocol query, as the native engine does.
 */
function sendScriptWhole(adapter: AdapterInternals): void {
  adapter.executeScript = async (script: string) => {
    try {
      await adapter.client.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
}

class MigratePg extends PrismaPg {
  private readonly fields: pg.PoolConfig;

  constructor(fields: pg.PoolConfig) {
    super(fields);
    this.fields = fields;
  }

  override async connect() {
    const adapter = await super.connect();
    sendScriptWhole(adapter as unknown as AdapterInternals);
    return adapter;
  }

  /**
   * Fix 3: adapter-pg drops the shadow database before closing the shadow pool,
   * which PostgreSQL refuses ("is being accessed by other users"). Close the
   * pool first, then drop.
   */
  override async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new MigratePg({ ...this.fields, database }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  }
}

function pgAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  // Fix 2: adapter-pg opens the shadow pool with `{ ...config, database }`, but a
  // `connectionString` would override `database`, so the shadow database would
  // be the main one. Hand it discrete fields instead.
  const parsed = parseConnectionString(url);
  const fields: pg.PoolConfig = {
    host: parsed.host ?? undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database ?? undefined,
    Client: CatalogTextClient,
    // Fix 5: the CLI never disposes the adapter; let the process exit when idle.
    allowExitOnIdle: true,
  };
  return new MigratePg(fields);
}

async function pgliteAdapter(dataDir: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  // PGlite creates only the last folder of its data path.
  mkdirSync(path.dirname(dataDir), { recursive: true });
  // One process per data directory (the API or `npm run dev` may hold it); released when the CLI exits.
  lockDataDir(dataDir);
  const db = new PGlite({ dataDir });
  const factory = new PrismaPGlite(db);
  // Fix 6 (PGlite): its adapter's executeScript does not await, and the shadow
  // replay sends multi-statement scripts through the extended protocol, which
  // PGlite rejects. Route both to an awaited `exec` of the whole script.
  const route = <T extends object>(
    adapter: T,
    client: { exec(sql: string): Promise<unknown> },
  ): T => {
    (adapter as unknown as AdapterInternals).executeScript = async (script: string) => {
      await client.exec(script);
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  factory.connect = async () => route(await connect(), db);
  factory.connectToShadowDb = async () => {
    const shadowDb = new PGlite({ dataDir: 'memory://shadow' });
    const shadow = await new PrismaPGlite(shadowDb).connect();
    return route(shadow, shadowDb);
  };
  return factory as unknown as SqlMigrationAwareDriverAdapterFactory;
}

/** The adapter factory the CLI uses: DATABASE_URL's server, else embedded PGlite. */
export async function migrateAdapter(): Promise<SqlMigrationAwareDriverAdapterFactory> {
  const url = process.env.DATABASE_URL;
  if (url) return pgAdapter(url);
  return pgliteAdapter(path.resolve(process.env.PGLITE_DIR ?? '.data/pglite'));
}
