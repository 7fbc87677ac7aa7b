/**
 * The one way a test file gets the API over the fixture catalog: a fresh
 * database holding the fixture (fixture.ts), the real app on it
 * (test-app.ts), and one `close` that stops the app and drops the database.
 */
import { createFixtureDatabase } from './fixture.js';
import { startTestApp, type TestApp } from './test-app.js';
import type { TestDatabase } from './test-db.js';

export interface FixtureApp {
  db: TestDatabase;
  t: TestApp;
  close(): Promise<void>;
}

export async function startFixtureApp(
  options: Omit<Parameters<typeof startTestApp>[0], 'databaseUrl'> = {},
): Promise<FixtureApp> {
  const db = await createFixtureDatabase();
  const t = await startTestApp({ ...options, databaseUrl: db.url });
  return {
    db,
    t,
    close: async () => {
      await t.close();
      await db.drop();
    },
  };
}
