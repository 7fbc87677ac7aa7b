/**
 * Whole responses kept in process for reuse, each with the dependencies its
 * execution read (read-set.ts). An entry is served only while every
 * dependency is still current, which the caller decides (the tiered cache
 * checks them against L1); a stale entry is dropped on sight.
 *
 * Bounded in bytes (lru-cache, least recently used first out). Viewer
 * independence, errors and rate limits are the GraphQL layer's business:
 * this store only keeps what it is given.
 */
import { LRUCache } from 'lru-cache';
import type { Dependencies } from './read-set.js';

export interface StoredResponse<X> {
  /** The response body as sent (JSON text). */
  body: string;
  deps: Dependencies;
  /** What the caller needs to serve it again (e.g. the rate-limit checks to charge). */
  extra: X;
}

export interface ResponseStoreOptions {
  maxBytes: number;
  /** Most entries, whatever their size. */
  maxEntries?: number;
}

export interface ResponseStoreCounts {
  hits: number;
  misses: number;
  /** Entries found but dropped because a dependency had moved on. */
  invalidations: number;
  stores: number;
}

export class ResponseStore<X> {
  private readonly lru: LRUCache<string, StoredResponse<X>>;
  readonly counts: ResponseStoreCounts = { hits: 0, misses: 0, invalidations: 0, stores: 0 };

  constructor(options: ResponseStoreOptions) {
    if (!(options.maxBytes >= 1024))
      throw new RangeError(`response store maxBytes must be >= 1024, got ${options.maxBytes}`);
    this.lru = new LRUCache<string, StoredResponse<X>>({
      max: options.maxEntries ?? 100_000,
      maxSize: options.maxBytes,
      // Body and key as UTF-16 at most, two references per dependency, and the entry itself.
      sizeCalculation: (entry, key) =>
        2 * (entry.body.length + key.length) + 16 * entry.deps.entries.length + 128,
    });
  }

  /** The entry under `key` if every dependency is current; a stale entry is deleted. */
  get(key: string, isCurrent: (deps: Dependencies) => boolean): StoredResponse<X> | undefined {
    const entry = this.lru.get(key);
    if (!entry) {
      this.counts.misses++;
      return undefined;
    }
    if (!isCurrent(entry.deps)) {
      this.lru.delete(key);
      this.counts.invalidations++;
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    return entry;
  }

  set(key: string, entry: StoredResponse<X>): void {
    this.lru.set(key, entry);
    this.counts.stores++;
  }

  clear(): void {
    this.lru.clear();
  }

  get entries(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
