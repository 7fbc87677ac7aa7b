/**
 * Tells the other instances what to drop from their L1, over an
 * InvalidationTransport (Redis pub/sub in production). The cache owns its
 * bus: CatalogCache.apply publishes after the write committed and L2 was
 * updated, and applies what others publish to its own L1.
 *
 * A message carries (key, version) pairs and collection names; a receiver
 * drops only L1 entries older than the message's version. A message must not
 * reach a receiver before L2 holds what it announces (the receiver would
 * reload the older record): it is published once L2 answered, or, on one
 * standalone Redis, by the L2 write's own script (`carry`). Every message has
 * the sender's id and a sequence number: a receiver that sees a gap in a
 * sender's sequence, or whose subscription reconnects, cannot know what it
 * missed and flushes its whole L1. A message lost without either sign leaves
 * L1 stale for at most its L1 TTL.
 */
import type { CarriedMessage, Clock, IdSource, InvalidationTransport } from './contracts.js';

export interface InvalidationMessage {
  /** Sender instance id. */
  i: string;
  /** Sender sequence number, from 1. */
  s: number;
  /** Entities: [key, version]. */
  e: Array<[string, number]>;
  /** Collection names. */
  c: string[];
  /** When it was sent (ms since the epoch), to measure delivery delay. */
  t: number;
  /** 1: drop all of L1 (the sender advanced the L2 epoch). */
  f?: 1;
}

export type FlushReason = 'reconnect' | 'gap' | 'epoch';

export interface InvalidationBusOptions {
  transport: InvalidationTransport;
  /** Sender id of this instance. */
  newId: IdSource;
  now: Clock;
  onInvalidate: (entities: Array<{ key: string; version: number }>, collections: string[]) => void;
  /** Everything in L1 may be stale (reconnect, sequence gap, another instance advanced the epoch). */
  onFlush: (reason: FlushReason) => void;
  /** Called per applied message with its delivery delay in ms. */
  onReceived?: (message: InvalidationMessage, delayMs: number) => void;
  onPublished?: () => void;
}

export class InvalidationBus {
  readonly instanceId: string;
  private sequence = 0;
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly options: InvalidationBusOptions) {
    this.instanceId = options.newId();
    options.transport.subscribe(
      (raw) => this.receive(raw),
      () => options.onFlush('reconnect'),
    );
  }

  /** Publishes one message (`flush`: every receiver drops all of L1); returns whether the transport took it. */
  async publish(
    entities: ReadonlyArray<{ key: string; version: number }>,
    collections: readonly string[],
    flush = false,
  ): Promise<boolean> {
    if (entities.length === 0 && collections.length === 0 && !flush) return true;
    return this.send(this.encode(entities, collections, flush));
  }

  /**
   * The message for `entities` and `collections`, to be carried by the L2
   * write that stores them (CarriedMessage), when the transport allows it;
   * undefined otherwise. After the write, `carried` says whether the write
   * reached L2: if not, the message is published here instead, with the
   * same number when the write was sent (a receiver ignores a repeat).
   */
  carry(
    entities: ReadonlyArray<{ key: string; version: number }>,
    collections: readonly string[],
  ): (CarriedMessage & { carried(stored: boolean): Promise<boolean> }) | undefined {
    const channel = this.options.transport.channel;
    if (channel === undefined || (entities.length === 0 && collections.length === 0))
      return undefined;
    let text: string | undefined;
    return {
      channel,
      text: () => (text ??= this.encode(entities, collections, false)),
      carried: async (stored) => {
        if (stored && text !== undefined) {
          this.options.onPublished?.();
          return true;
        }
        return text === undefined ? this.publish(entities, collections) : this.send(text);
      },
    };
  }

  /** Numbers a message: numbers follow the order messages are sent in. */
  private encode(
    entities: ReadonlyArray<{ key: string; version: number }>,
    collections: readonly string[],
    flush: boolean,
  ): string {
    const message: InvalidationMessage = {
      i: this.instanceId,
      s: ++this.sequence,
      e: entities.map((e) => [e.key, e.version]),
      c: [...collections],
      t: this.options.now(),
      ...(flush ? { f: 1 as const } : {}),
    };
    return JSON.stringify(message);
  }

  private async send(text: string): Promise<boolean> {
    const sent = await this.options.transport.publish(text);
    if (sent) this.options.onPublished?.();
    return sent;
  }

  private receive(raw: string): void {
    let message: InvalidationMessage;
    try {
      message = JSON.parse(raw) as InvalidationMessage;
    } catch {
      return;
    }
    if (
      typeof message.i !== 'string' ||
      message.i === this.instanceId ||
      !Number.isSafeInteger(message.s)
    )
      return;
    const last = this.lastSeen.get(message.i);
    // A repeat: a write that carried it could not tell whether it was sent (CatalogCache.apply).
    if (message.s === last) return;
    this.lastSeen.set(message.i, message.s);
    if (last !== undefined && message.s !== last + 1) {
      this.options.onFlush('gap');
      return;
    }
    if (message.f === 1) {
      this.options.onFlush('epoch');
      return;
    }
    this.options.onInvalidate(
      (message.e ?? [])
        .filter(([k, v]) => typeof k === 'string' && Number.isSafeInteger(v))
        .map(([key, version]) => ({ key, version })),
      (message.c ?? []).filter((c) => typeof c === 'string'),
    );
    if (Number.isFinite(message.t))
      this.options.onReceived?.(message, this.options.now() - message.t);
  }

  close(): void {
    this.options.transport.close();
  }
}
