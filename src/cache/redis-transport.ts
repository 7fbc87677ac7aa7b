/**
 * The Redis pub/sub transport of invalidation messages: publishes on the
 * shared connection (through its gate), subscribes on a dedicated one
 * (subscriber mode blocks other commands). A subscription re-established
 * after its connection dropped is reported, since messages may have been
 * lost in between (on a cluster also when the subscription moves to
 * another node).
 *
 * On a standalone Redis the transport names its channel (`channel`), so L2
 * writes on the same gate's server publish their messages themselves
 * (CarriedMessage); on a cluster, messages are always published here.
 */
import { isCluster, type RedisConnection, type RedisGate } from '../redis/redis-client.js';
import type { InvalidationTransport } from './contracts.js';

export interface RedisTransportOptions {
  gate: RedisGate;
  /**
   * A dedicated connection for subscribing; the transport closes it. On a
   * Redis Cluster, classic PUBLISH reaches subscribers on every node.
   */
  subscriber: RedisConnection;
  channel: string;
}

export function redisTransport(options: RedisTransportOptions): InvalidationTransport {
  const { gate, subscriber, channel } = options;
  return {
    publish: async (message) => (await gate.run((r) => r.publish(channel, message))) !== undefined,
    // One server holds L2 and the channel: L2 writes may publish messages themselves.
    ...(isCluster(gate.client) ? {} : { channel }),
    subscribe: (onMessage, onReconnect) => {
      let subscribedBefore = false;
      subscriber.on('message', (ch: string, raw: string) => {
        if (ch === channel) onMessage(raw);
      });
      const subscribe = () => {
        if (subscribedBefore) onReconnect();
        subscribedBefore = true;
        // A failure surfaces as a connection error; the next 'ready' subscribes again.
        subscriber.subscribe(channel).catch(() => undefined);
      };
      subscriber.on('ready', subscribe);
      // A cluster moves its subscription to another node when that node goes
      // away; messages sent in between are lost.
      if (isCluster(subscriber)) subscriber.on('-node', () => subscribedBefore && onReconnect());
      if (subscriber.status === 'ready') subscribe();
    },
    close: () => subscriber.disconnect(),
  };
}
