/**
 * `npm run dev`: the one command that starts the API for development.
 *
 * 1. With DATABASE_URL, creates that database if it does not exist
 *    (`prisma migrate deploy` does not).
 * 2. `prisma generate`, then `prisma migrate deploy` (DATABASE_URL, or the
 *    embedded PGlite database in PGLITE_DIR). These run as child processes
 *    *before* this process opens the database, because PGlite allows only
 *    one process per data directory.
 * 3. Seeds the demo catalog when the database is empty.
 * 4. Starts the server and prints the playground URL and the demo logins.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config/config.js';
import {
  createProgressReporter,
  databaseLabel,
  explainDatabaseError,
  formatDemoLogins,
  isDatabaseEmpty,
  seedCatalog,
  type SeedCounts,
} from '../src/db/seed/index.js';
import { ConfigError } from '../src/errors/app-error.js';

/** A failure already explained in words: printed without a stack trace. */
class StartError extends Error {}

function step(message: string): void {
  console.log(`\n▸ ${message}`);
}

/** The CLI's last line once `migrate deploy` has finished its work. */
const MIGRATE_DONE = /All migrations have been successfully applied|No pending migrations to apply/;
/** How long a finished `migrate deploy` may linger before it is stopped. */
const LINGER_MS = 15_000;

/**
 * Runs `npx prisma <args>` with this process's environment, echoing its
 * output. On the embedded database, `migrate deploy` sometimes never exits
 * after reporting success (the WASM schema engine over PGlite; see
 * prisma/migrate-adapter.ts), so once its output says it is done it gets
 * LINGER_MS to exit on its own and is then stopped and counted a success.
 */
function npxPrisma(args: string[], options: { stopWhenDone?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['prisma', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
      // npx is npx.cmd on Windows, which only a shell can run.
      shell: process.platform === 'win32',
    });
    let done = false;
    let linger: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (options.stopWhenDone && !done && MIGRATE_DONE.test(chunk.toString())) {
        done = true;
        linger = setTimeout(() => child.kill('SIGTERM'), LINGER_MS);
      }
    });
    child.on('error', (error) => reject(new StartError(`Could not run npx prisma ${args.join(' ')}: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (linger) clearTimeout(linger);
      if (code === 0 || done) resolve();
      else reject(new StartError(`npx prisma ${args.join(' ')} failed (${signal ?? `exit code ${code}`}); see its output above.`));
    });
  });
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a dropped idle connection is reported by the next query instead
  await client.connect();
  return client;
}

/**
 * Creates the database named in DATABASE_URL when the server says it does
 * not exist, connecting to the server's `postgres` database to do so.
 */
async function ensureDatabaseExists(config: Config): Promise<void> {
  const url = config.database.url!;
  try {
    await (await connect(url)).end();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') {
      throw new StartError(explainDatabaseError(error, config.database) ?? `Cannot connect to DATABASE_URL: ${String(error)}`);
    }
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  let admin: pg.Client;
  try {
    admin = await connect(adminUrl.toString());
  } catch (error) {
    throw new StartError(
      `Database "${name}" does not exist and the server's "postgres" database is not reachable to create it ` +
        `(${(error as Error).message}). Create "${name}" yourself.`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    console.log(`Created database "${name}".`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42P04: created meanwhile by someone else, which is all we wanted.
    if (code !== '42P04') {
      const hint = code === '42501' ? 'the user in DATABASE_URL may not create databases; create it yourself' : (error as Error).message;
      throw new StartError(`Could not create database "${name}": ${hint}.`);
    }
  } finally {
    await admin.end();
  }
}

async function seedIfEmpty(config: Config): Promise<void> {
  const { openDatabase } = await import('../src/db/database.js');
  const db = await openDatabase({ ...config.database, statementTimeoutMs: 0, onStatement: () => undefined });
  try {
    if (!(await isDatabaseEmpty(db.prisma))) {
      console.log('The database already has data; not seeding (`npm run seed -- --reset` starts over).');
      return;
    }
    const progress = createProgressReporter();
    const started = performance.now();
    let counts: SeedCounts;
    try {
      counts = await seedCatalog(db.prisma, { onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`Seeded ${counts.products} products, ${counts.reviews} reviews and ${counts.users} users in ${seconds} s.`);
  } finally {
    await db.close();
  }
}

/** A URL a browser can open: a wildcard listen address is not one. */
function browsable(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0' || parsed.hostname === '[::]') parsed.hostname = 'localhost';
  return parsed.toString();
}

/** Set once the environment parsed, so failures can be explained against it. */
let config: Config | undefined;

async function main(): Promise<void> {
  config = loadConfig();
  if (config.production) {
    throw new StartError('npm run dev seeds demo data and is for development only; with NODE_ENV=production use `npm start`.');
  }
  console.log(`Database: ${databaseLabel(config.database)}`);
  if (config.database.url) {
    step('Checking that the database exists');
    await ensureDatabaseExists(config);
  }
  step('Generating the Prisma client (prisma generate)');
  await npxPrisma(['generate']);
  step('Applying migrations (prisma migrate deploy; it lingers ~10 s after finishing, a known Prisma quirk)');
  await npxPrisma(['migrate', 'deploy'], { stopWhenDone: !config.database.url });
  step('Seeding the demo catalog if the database is empty');
  await seedIfEmpty(config);

  step('Starting the API');
  // Imported only now: it needs the client that `prisma generate` just wrote.
  const { startServer } = await import('../src/server/main.js');
  const server = await startServer(config);
  const url = browsable(server.url);
  console.log(`\nCatalog API ready.\n  GraphQL endpoint: ${url}\n  Playground:       open ${url} in a browser\n`);
  console.log(`${formatDemoLogins()}\n\nPress Ctrl+C to stop.`);

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1); // a second Ctrl+C: stop waiting for the drain
      stopping = true;
      console.log('\nStopping…');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  const known = error instanceof StartError || error instanceof ConfigError;
  const explained = known ? (error as Error).message : config && explainDatabaseError(error, config.database);
  console.error('\n✖', explained ?? error);
  process.exit(1);
});
