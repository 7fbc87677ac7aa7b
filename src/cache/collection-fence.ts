/**
 * Decides whether an L1 collection entry is still valid without asking Redis.
 *
 * Each load takes a stamp from an instance-wide counter before it reads;
 * each invalidation of a collection (a local write or a message from another
 * instance) records a newer stamp for it. An entry is valid only if its load
 * started after the collection's last invalidation. The per-collection table
 * is bounded: when it forgets a collection, it raises a global floor instead,
 * which can only invalidate more, never less.
 */
import { LRUCache } from 'lru-cache';

export class CollectionFence {
  private counter = 0;
  private floor = 0;
  private readonly lastInvalidated: LRUCache<string, number>;

  constructor(maxCollections = 100_000) {
    this.lastInvalidated = new LRUCache<string, number>({
      max: maxCollections,
      dispose: (stamp, _key, reason) => {
        if (reason === 'evict') this.floor = Math.max(this.floor, stamp);
      },
    });
  }

  /** A stamp to record before reading a collection from L2 or the database. */
  stamp(): number {
    return ++this.counter;
  }

  /** Marks every entry of `collection` loaded before now as invalid. */
  invalidate(collection: string): void {
    this.lastInvalidated.set(collection, ++this.counter);
  }

  /** Marks every entry of every collection invalid (e.g. after lost messages). */
  invalidateAll(): void {
    this.lastInvalidated.clear();
    this.floor = ++this.counter;
  }

  /** Whether an entry of `collection` loaded with `stamp` may still be served. */
  isValid(collection: string, stamp: number): boolean {
    return stamp > Math.max(this.floor, this.lastInvalidated.get(collection) ?? 0);
  }
}
