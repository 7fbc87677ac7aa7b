/** The L2 driver contract on real Redis (the shared test server, keys under this run's prefix). */
import { Redis } from 'ioredis';
import { RedisL2Driver } from '../../src/cache/index.js';
import { REDIS_URL } from '../helpers/env.js';
import { deleteKeys } from '../helpers/redis-cleanup.js';
import { testPrefix } from '../helpers/test-app.js';
import { describeL2Driver } from './l2-driver-suite.js';

describeL2Driver('redis', async () => {
  const client = new Redis(REDIS_URL);
  const prefix = testPrefix();
  return {
    driver: new RedisL2Driver(client),
    key: (name) => `${prefix}:${name}`,
    close: async () => {
      await deleteKeys(REDIS_URL, prefix);
      client.disconnect();
    },
  };
});
