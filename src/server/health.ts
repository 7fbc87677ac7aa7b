/**
 * Probes. `/livez`: the process answers (restart it when it does not).
 * `/readyz`: send it traffic — PostgreSQL answers a query within a bound and
 * the server is not draining; Redis is reported but does not decide, since
 * the API serves without it. `/healthz` is kept as an alias of `/readyz`.
 */
import type { App } from './app.js';

/** How long the readiness query may take before PostgreSQL counts as down. */
const DATABASE_CHECK_MS = 2000;

export interface Readiness {
  status: 'ready' | 'not ready';
  draining: boolean;
  database: boolean;
  /** Redis connected (kept a boolean for existing clients of /healthz). */
  redis: boolean;
  breaker: 'closed' | 'open' | 'half-open';
}

export async function readiness(app: App, draining: boolean): Promise<Readiness> {
  const database = await databaseAnswers(app);
  const redis = app.redis.client.status === 'ready';
  return {
    status: database && !draining ? 'ready' : 'not ready',
    draining,
    database,
    redis,
    breaker: app.redis.breaker.state,
  };
}

async function databaseAnswers(app: App): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), DATABASE_CHECK_MS)),
  );
  try {
    return await Promise.race([
      app.prisma.$queryRawUnsafe('SELECT 1').then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
