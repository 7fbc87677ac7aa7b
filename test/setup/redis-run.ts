/**
 * Global setup of the contract project (real Redis, no PostgreSQL): names
 * the run (cache prefixes `t<run>…`, shared with the integration project's
 * setup when both run) and, at the end, removes and reports Redis keys a
 * test left behind.
 */
import { randomBytes } from 'node:crypto';
import { REDIS_URL } from '../helpers/env.js';
import { deleteKeys } from '../helpers/redis-cleanup.js';

export default async function setup(): Promise<() => Promise<void>> {
  const run = (process.env.CATALOG_TEST_RUN ??= randomBytes(3).toString('hex'));
  return async () => {
    const keys = await deleteKeys(REDIS_URL, `t${run}`, { anySuffix: true });
    if (keys)
      process.stderr.write(
        `test teardown: removed ${keys} Redis key(s) a contract test left behind\n`,
      );
  };
}
