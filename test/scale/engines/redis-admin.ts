/**
 * What the private Redis engines (cluster, sentinel) share: one command on a
 * fresh, non-retrying connection to a node, and a wait for a state reached
 * through such commands.
 */
import { Redis } from 'ioredis';

/** Sends one command to the server on `port` and returns its raw reply. */
export async function redisCommand(port: number, ...command: string[]): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(command[0]!, ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

/**
 * Polls `check` (a failed check counts as false) every 100 ms until it
 * holds; throws naming `what` after `timeoutMs`.
 */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}
