/**
 * Cluster-correct batching: each command touches keys of one hash slot, and
 * the commands of one batch go out as one pipeline per node, all nodes in
 * parallel. So a batch costs at most one round trip per node that holds its
 * keys, and never a cross-slot command. On a standalone (or Sentinel)
 * connection every command shares one pipeline: one round trip.
 *
 * Callers guarantee that the keys of one command share a slot (the cache and
 * the rate limiter put them under one `{hash tag}`); `keySlot` is what they
 * group by.
 */
import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisConnection } from './redis-client.js';

/** One command of a batch: `key` (any key it touches) picks its node. */
export interface SlotCommand {
  key: string;
  add: (pipeline: ChainableCommander) => void;
}

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-XMODEM, the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The hash slot (0-16383) of `key`, honouring a non-empty `{hash tag}` as Redis does. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) & 16383;
}

/** The node (`host:port`) that serves `key`'s slot now, or undefined when not known (standalone, or slots not loaded). */
export function nodeOf(client: RedisConnection, key: string): string | undefined {
  return isCluster(client) ? client.slots[keySlot(key)]?.[0] : undefined;
}

/** Groups `items` by the node serving their key's slot (one group on a standalone connection), keeping their order inside a group. */
export function groupByNode<T>(
  client: RedisConnection,
  items: readonly T[],
  keyOf: (item: T) => string,
): T[][] {
  if (!isCluster(client)) return items.length ? [[...items]] : [];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const node = nodeOf(client, key) ?? `slot:${keySlot(key)}`;
    let group = groups.get(node);
    if (!group) groups.set(node, (group = []));
    group.push(item);
  }
  return [...groups.values()];
}

/**
 * Sends `commands` as one pipeline per node, in parallel; returns each
 * command's reply in order. `onRoundTrip` is called once per pipeline sent.
 * Throws the first error any command got (the caller treats the batch as
 * failed; every command here is safe to repeat or to have half-applied).
 */
export async function runPerNode(
  client: RedisConnection,
  commands: readonly SlotCommand[],
  onRoundTrip?: () => void,
): Promise<unknown[]> {
  const indexed = commands.map((command, index) => ({ command, index }));
  const replies = new Array<unknown>(commands.length);
  await Promise.all(
    groupByNode(client, indexed, (c) => c.command.key).map(async (group) => {
      const pipeline = client.pipeline();
      for (const { command } of group) command.add(pipeline);
      onRoundTrip?.();
      const results = (await pipeline.exec()) ?? [];
      group.forEach(({ index }, i) => {
        const [error, reply] = results[i] ?? [new Error('no reply from Redis')];
        if (error) throw error;
        replies[index] = reply;
      });
    }),
  );
  return replies;
}
