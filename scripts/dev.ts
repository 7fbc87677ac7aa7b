/**
 * `npm run dev`: the one command that starts the API for development.
 *
 *   npm run dev [-- --reset] [-- --no-watch]
 *
 * 1. Prisma client and GraphQL codegen, each only when its inputs changed.
 * 2. With DATABASE_URL, creates that database if missing. `--reset` first
 *    deletes the embedded database (or drops and recreates DATABASE_URL's).
 * 3. Applies migrations in this process (src/db/migrations.ts) and seeds the
 *    demo catalog when the database is empty, then closes the database.
 * 4. Starts the server in a child process that restarts on source and schema
 *    changes, and reruns codegen when the schema or the client's operations change.
 *
 * Nothing else opens the embedded database until step 3 has closed it.
 */
import { watch } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../src/config/config.js';
import { databaseLabel, explainDatabaseError, formatDemoLogins } from '../src/db/seed/index.js';
import { ConfigError } from '../src/errors/app-error.js';
import {
  ensureDatabaseExists,
  forgetPrepared,
  migrateAndSeed,
  resetDatabase,
  StartError,
} from './dev/database-setup.js';
import { GRAPHQL_CODEGEN, PRISMA_CLIENT, generateIfChanged } from './dev/generated-code.js';
import { runServer } from './dev/server-process.js';

const USAGE = `Usage: npm run dev [-- --reset] [-- --no-watch]
  --reset     delete the database (embedded, or DATABASE_URL's) and start over with fresh demo data
  --no-watch  do not restart the server when sources change`;

function step(message: string): void {
  console.log(`\n▸ ${message}`);
}

const detail = (message: string) => console.log(`  ${message}`);

/** A URL a browser can open: a wildcard listen address is not one. */
function browsable(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return config.port === 0
    ? '(a free port; see the "API listening" line below)'
    : `http://${host}:${config.port}/graphql`;
}

/** Reruns codegen when the SDL or the client's operations change (tsx watch restarts the server itself). */
function watchCodegen(): void {
  let timer: NodeJS.Timeout | undefined;
  const rerun = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      generateIfChanged(GRAPHQL_CODEGEN, detail).catch((error: unknown) =>
        console.error(`✖ ${(error as Error).message}`),
      );
    }, 300);
  };
  for (const dir of ['schema', 'client/operations']) watch(dir, rerun).unref();
}

let config: Config | undefined;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean' },
      'no-watch': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  config = loadConfig();
  if (config.production) {
    throw new StartError(
      'npm run dev seeds demo data and is for development only; with NODE_ENV=production use `npm start`.',
    );
  }
  const started = performance.now();
  console.log(`Database: ${databaseLabel(config.database)}`);

  step('Generated code');
  await generateIfChanged(PRISMA_CLIENT, detail);
  await generateIfChanged(GRAPHQL_CODEGEN, detail);

  if (values.reset) {
    step('Resetting the database (--reset)');
    await resetDatabase(config);
  }
  if (config.database.url) {
    step('Checking that the database exists');
    await ensureDatabaseExists(config);
  }
  step('Migrations and demo data');
  await migrateAndSeed(config, detail);

  const watchMode = !values['no-watch'];
  step(`Starting the API${watchMode ? ' (restarts when src/ or schema/ change)' : ''}`);
  console.log(`  GraphQL endpoint and playground: ${browsable(config)}`);
  console.log(
    `  Prepared in ${((performance.now() - started) / 1000).toFixed(1)} s.\n${formatDemoLogins()}\n\nPress Ctrl+C to stop.\n`,
  );
  if (watchMode) watchCodegen();
  const code = await runServer({ watch: watchMode, onCrash: () => forgetPrepared(config!) });
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof StartError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const explained = known
      ? (error as Error).message
      : config && explainDatabaseError(error, config.database);
    console.error('\n✖', explained ?? error);
    if (known && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      console.error(USAGE);
    process.exit(1);
  },
);
