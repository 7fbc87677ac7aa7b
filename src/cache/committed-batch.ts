/**
 * What a committed write is, for the cache: the one type both the caching
 * extension (src/db/extensions/cache-sync.ts) and the database's change feed
 * (src/db/change-feed.ts) hand to the cache's one write door,
 * `CatalogCache.apply`.
 */
import type { CollectionId } from './keys.js';

/** One committed row change. */
export interface CommittedChange {
  model: string;
  id: number;
  /** The version the change produced (a delete: the deleted row's version + 1). */
  version: number;
  /**
   * The full row after the write (written through); null for a delete (a
   * versioned "not found"); undefined when only partly known (fenced: readers
   * reload it).
   */
  row?: Record<string, unknown> | null;
}

export interface CommittedBatch {
  changes: CommittedChange[];
  /** Every collection the changes can affect (their versions are bumped). */
  collections: CollectionId[];
  /**
   * The L2 epoch known before the write ran: a write-through is valid only
   * under it (an epoch advanced later may cover a newer change L2 missed).
   * Absent: the epoch known now.
   */
  epoch?: number;
  /**
   * Who saw the commit: `write` (this instance's extension: other instances
   * are told over the bus) or `feed` (the change feed, which every instance
   * receives itself: nothing to publish).
   */
  origin: 'write' | 'feed';
}

/** Where committed batches go: the cache's write door. */
export interface CommitSink {
  /** Applies a committed batch; never throws (the write has committed; a cache failure must not fail it). */
  apply(batch: CommittedBatch): Promise<void>;
  /** The L2 epoch known now; a writer snapshots it before a write runs (see CommittedBatch.epoch). */
  readonly knownEpoch: number | undefined;
  /**
   * Changes were committed that nobody can name (the change feed reconnected:
   * notifications may have been lost): L1 is flushed and L2 fenced by an epoch advance.
   */
  changesLost(reason: 'change-feed'): void;
  /**
   * A write of one known row is about to run outside a transaction: its
   * change-feed echo, should it arrive before the write reaches `apply`,
   * waits for it. Call the result once the write has been applied or has
   * failed.
   */
  writing?(model: string, id: number): () => void;
}
