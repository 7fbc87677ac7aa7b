/**
 * The database half of `npm run dev`: create the PostgreSQL database if
 * missing, reset on request, apply migrations in this process, seed when
 * empty. Everything here finishes and closes the database before the server
 * process opens it (PGlite allows one process per data directory).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';
import {
  createProgressReporter,
  explainDatabaseError,
  isDatabaseEmpty,
  seedCatalog,
} from '../../src/db/seed/index.js';

/** A failure already explained in words: printed without a stack trace. */
export class StartError extends Error {}

export const RESET_COMMAND = 'npm run dev -- --reset';

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a dropped idle connection is reported by the next query instead
  await client.connect();
  return client;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

async function withAdmin<T>(
  url: string,
  name: string,
  fn: (admin: pg.Client) => Promise<T>,
): Promise<T> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  let admin: pg.Client;
  try {
    admin = await connect(adminUrl.toString());
  } catch (error) {
    throw new StartError(
      `The server's "postgres" database is not reachable to create or reset "${name}" (${(error as Error).message}).`,
    );
  }
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Creates the database named in DATABASE_URL when the server says it does not exist. */
export async function ensureDatabaseExists(config: Config): Promise<void> {
  const url = config.database.url!;
  try {
    await (await connect(url)).end();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') {
      throw new StartError(
        explainDatabaseError(error, config.database) ??
          `Cannot connect to DATABASE_URL: ${String(error)}`,
      );
    }
  }
  const name = databaseName(url);
  await withAdmin(url, name, async (admin) => {
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
      console.log(`Created database "${name}".`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // 42P04: created meanwhile by someone else, which is all we wanted.
      if (code !== '42P04') {
        const hint =
          code === '42501'
            ? 'the user in DATABASE_URL may not create databases; create it yourself'
            : (error as Error).message;
        throw new StartError(`Could not create database "${name}": ${hint}.`);
      }
    }
  });
}

/** `--reset`: the embedded data directory is deleted; a DATABASE_URL database is dropped and created again. */
export async function resetDatabase(config: Config): Promise<void> {
  const { url, pgliteDir } = config.database;
  if (!url) {
    const dir = path.resolve(pgliteDir);
    const { lockDataDir } = await import('../../src/db/pglite-lock.js');
    const release = lockDataDir(dir); // refuses while another process uses it
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.ready`, { force: true });
    release();
    console.log(`Deleted the embedded database in ${dir}.`);
    return;
  }
  const name = databaseName(url);
  await withAdmin(url, name, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  });
  console.log(`Dropped and created database "${name}".`);
}

const MIGRATIONS_DIR = 'prisma/migrations';

/**
 * On the embedded database, a stamp beside the data directory records the
 * migrations the last successful preparation left it at. When they are still
 * the ones on disk, opening PGlite here (2-3 s) only to find nothing to do is
 * skipped; the server opens it once. With DATABASE_URL the check is cheap and
 * always made.
 */
function readyStamp(config: Config): { path: string; value: string } | undefined {
  if (config.database.url) return undefined;
  const dir = path.resolve(config.database.pgliteDir);
  const hash = createHash('sha256');
  return { path: `${dir}.ready`, value: hash.update(migrationsFingerprint()).digest('hex') };
}

function migrationsFingerprint(): string {
  // Names and contents: what _prisma_migrations compares too.
  return readdirSafe(MIGRATIONS_DIR)
    .map((name) => `${name}\0${readFileSafe(path.join(MIGRATIONS_DIR, name, 'migration.sql'))}`)
    .join('\0');
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Forgets that the embedded database was prepared (the next start checks it fully). */
export function forgetPrepared(config: Config): void {
  const stamp = readyStamp(config);
  if (stamp) rmSync(stamp.path, { force: true });
}

/** Opens the database, applies pending migrations, seeds it when empty, and closes it. */
export async function migrateAndSeed(
  config: Config,
  log: (message: string) => void,
): Promise<void> {
  const stamp = readyStamp(config);
  const dir = path.resolve(config.database.pgliteDir);
  // A lock left behind means a process died holding the database: check it fully.
  const cleanlyClosed = !existsSync(`${dir}.lock`);
  if (stamp && cleanlyClosed && existsSync(dir) && readFileSafe(stamp.path) === stamp.value) {
    log('migrations applied and demo data present at the last start; nothing to do');
    return;
  }
  if (stamp) rmSync(stamp.path, { force: true });
  await prepare(config, log);
  if (stamp) writeFileSync(stamp.path, stamp.value);
}

async function prepare(config: Config, log: (message: string) => void): Promise<void> {
  const { openDatabase, EmbeddedDatabaseError } = await import('../../src/db/database.js');
  const { EmbeddedDatabaseBusyError } = await import('../../src/db/pglite-lock.js');
  const { applyMigrations, readMigrations, MigrationStateError } =
    await import('../../src/db/migrations.js');
  let db;
  try {
    db = await openDatabase({
      ...config.database,
      statementTimeoutMs: 0,
      onStatement: () => undefined,
    });
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) {
      const reason = (error.cause as Error)?.message?.split('\n')[0] ?? String(error.cause);
      throw new StartError(
        `The embedded database in ${error.dataDir} cannot be opened (${reason}): it is damaged.\n` +
          `To delete it and start over with fresh demo data, run:\n\n  ${RESET_COMMAND}\n`,
      );
    }
    if (error instanceof EmbeddedDatabaseBusyError) throw new StartError(error.message);
    throw error;
  }
  try {
    const resetHint = `To delete this database and start over, run: ${RESET_COMMAND}`;
    let result;
    try {
      result = await applyMigrations(db.raw, readMigrations(MIGRATIONS_DIR), { resetHint });
    } catch (error) {
      if (error instanceof MigrationStateError) throw new StartError(error.message);
      throw error;
    }
    log(
      result.applied.length
        ? `applied ${result.applied.join(', ')}`
        : `up to date (${result.alreadyApplied} applied)`,
    );

    if (!(await isDatabaseEmpty(db.prisma))) {
      log('the database already has data; not seeding (`npm run seed -- --reset` starts over)');
      return;
    }
    const progress = createProgressReporter();
    const started = performance.now();
    let counts;
    try {
      counts = await seedCatalog(db.prisma, { onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(
      `seeded ${counts.products} products, ${counts.reviews} reviews and ${counts.users} users in ${seconds} s`,
    );
  } finally {
    await db.close();
  }
}
