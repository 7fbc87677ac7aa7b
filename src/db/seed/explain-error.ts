/**
 * Turns the database errors a developer meets on first start (server not
 * running, database or tables missing, wrong password) into one sentence that
 * names DATABASE_URL and the fix, instead of a Prisma stack trace.
 */
import { databaseLabel } from './database-label.js';

/** Prisma's codes (P…) and the pg / Node codes underneath them, by what went wrong. */
const UNREACHABLE = new Set([
  'P1001',
  'P1002',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);
const NO_DATABASE = new Set(['P1003', '3D000']);
const NO_TABLES = new Set(['P2021', '42P01']);
const BAD_LOGIN = new Set(['P1000', '28P01', '28000']);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  // Follow `cause` chains and AggregateError (Node reports a refused dual-stack connect as one).
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof e.code === 'string') codes.push(e.code);
    if (Array.isArray(e.errors)) codes.push(...e.errors.flatMap(errorCodes));
    current = e.cause;
  }
  return codes;
}

/**
 * A one-line explanation for a known database failure, or undefined when the
 * error is not one of them (the caller should then show it as is).
 */
export function explainDatabaseError(
  error: unknown,
  database: { url?: string; pgliteDir: string },
): string | undefined {
  const codes = errorCodes(error);
  const has = (set: Set<string>) => codes.some((c) => set.has(c));
  const label = databaseLabel(database);
  if (has(UNREACHABLE)) {
    return (
      `Cannot reach the ${label} (DATABASE_URL). Is PostgreSQL running? ` +
      'Start it (for example `docker compose up -d postgres`), fix DATABASE_URL, ' +
      'or unset DATABASE_URL to use the embedded PGlite database.'
    );
  }
  if (has(NO_DATABASE)) {
    return `The database named in DATABASE_URL does not exist (${label}). Create it, or run \`npm run dev\`, which creates it.`;
  }
  if (has(BAD_LOGIN)) {
    return `PostgreSQL refused the user or password in DATABASE_URL (${label}).`;
  }
  if (has(NO_TABLES)) {
    return `The ${label} has no catalog tables yet. Run \`npm run migrate\` first (\`npm run dev\` does it).`;
  }
  return undefined;
}
