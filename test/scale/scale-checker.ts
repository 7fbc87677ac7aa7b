/**
 * The consistency checker as every scale test runs it: two API instances, 8
 * clients, 10% writes over the fixture's first ten products, signed in as
 * the fixture's admin, rate limits off. A test names only its topology
 * (`env`, `redisUrl`), its key prefix, how long, and what happens meanwhile.
 */
import {
  type CheckerOptions,
  type CheckerReport,
  runChecker,
} from '../../scripts/bench/consistency-checker.js';
import { ADMIN } from '../helpers/fixture.js';

export function runScaleChecker(
  options: Pick<CheckerOptions, 'databaseUrl' | 'prefix' | 'durationMs' | 'during'> & {
    redisUrl?: string;
    env: Record<string, string>;
  },
): Promise<CheckerReport> {
  return runChecker({
    redisUrl: '',
    ...options,
    env: { RATE_LIMIT_ENABLED: 'false', ...options.env },
    instances: 2,
    clients: 8,
    productIds: Array.from({ length: 10 }, (_, i) => i + 1),
    adminEmail: ADMIN.email,
    adminPassword: ADMIN.password,
    writeRatio: 0.1,
  });
}
