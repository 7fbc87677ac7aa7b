/**
 * Tests leave nothing behind in Redis: every key under a namespace a test
 * used is deleted when it is done (SCAN + UNLINK, never KEYS or FLUSHDB on
 * the shared server).
 */
import { Redis } from 'ioredis';

/** Deletes every key starting with `prefix:` (with `anySuffix`, with `prefix`); returns how many there were. */
export async function deleteKeys(
  url: string,
  prefix: string,
  options: { anySuffix?: boolean } = {},
): Promise<number> {
  const pattern = options.anySuffix ? `${prefix}*` : `${prefix}:*`;
  if (!/^[A-Za-z0-9_.=-]{2,}/.test(prefix))
    throw new Error(`refusing to delete keys under ${JSON.stringify(prefix)}`);
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return 0; // a private server already stopped: nothing left to clean
  }
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** How many keys start with `prefix:`. */
export async function countKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  } finally {
    client.disconnect();
  }
}
