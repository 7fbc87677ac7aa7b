/**
 * Human-readable names for the database a tool is about to touch, so the
 * seed and start scripts say which database they mean without printing a
 * password.
 */
import path from 'node:path';

/** The URL with its password replaced by `***`; unparsable input is returned as a fixed placeholder. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable DATABASE_URL>';
  }
}

/** "PostgreSQL at postgresql://user:***@host/db" or "embedded PGlite in /abs/dir". */
export function databaseLabel(database: { url?: string; pgliteDir: string }): string {
  return database.url
    ? `PostgreSQL at ${redactUrl(database.url)}`
    : `embedded PGlite in ${path.resolve(database.pgliteDir)}`;
}
