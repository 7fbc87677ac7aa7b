/** Where the test servers are; override with TEST_PG_URL / TEST_REDIS_URL. */
export const PG_ADMIN_URL =
  process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * The run's template database, named per run by the global setup (so two
 * runs on one server never share one); test workers inherit it.
 */
export const TEMPLATE_DB = process.env.CATALOG_TEST_TEMPLATE ?? 'catalog_test_template';

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
