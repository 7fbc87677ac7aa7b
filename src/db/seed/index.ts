/** The seed catalog: row counts, generation and writing, and the demo logins. */
export {
  DEMO_ADMIN,
  DEMO_CUSTOMER,
  DEMO_LOGINS,
  formatDemoLogins,
  type DemoLogin,
} from './demo-logins.js';
export { MAX_PRODUCTS, planSeed, type SeedPlan } from './plan.js';
export {
  createProgressReporter,
  estimateSecondsLeft,
  formatEta,
  type ProgressReporter,
} from './progress-bar.js';
export {
  DEFAULT_PRODUCTS,
  DEFAULT_SEED,
  DatabaseNotEmptyError,
  isDatabaseEmpty,
  resetDatabase,
  seedCatalog,
  type SeedCounts,
  type SeedOptions,
  type SeedProgress,
  type SeedTable,
} from './seed-catalog.js';
export { databaseLabel, redactUrl } from './database-label.js';
export { explainDatabaseError } from './explain-error.js';
export { SEED_USAGE, SeedUsageError, parseSeedArgs, type SeedArgs } from './seed-args.js';
