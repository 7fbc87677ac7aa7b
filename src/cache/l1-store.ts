/**
 * L1: the in-process tier. Bounded by entry count and by bytes (lru-cache;
 * see the README for why LRU over a TinyLFU port), synchronous, holding
 * decoded values with the version they were read at.
 *
 * Expiry is decided here with an injected clock rather than by lru-cache's own
 * timers, so TTL tests need no sleeps and an expired entry is never served.
 */
import { LRUCache } from 'lru-cache';
import { acceptsFence, acceptsFill } from './version-rule.js';

export interface L1Entry {
  /** Row version (entities) or collection version (collections) the value was read at. */
  version: number;
  /** The decoded value; null is a cached "not found". */
  value: unknown;
  /** Clock time after which the entry is not served. */
  expiresAt: number;
  /** Approximate size in bytes (the encoded length). */
  size: number;
  /**
   * Set once the entry has left L1 (replaced, invalidated, expired, evicted
   * or cleared). Whatever recorded the entry itself (a kept response's read
   * set) learns that it is no longer current without a lookup.
   */
  dead?: true;
}

export interface L1Options {
  maxEntries: number;
  maxBytes: number;
  now: () => number;
}

export class L1Store {
  private readonly lru: LRUCache<string, L1Entry>;
  private readonly now: () => number;

  constructor(options: L1Options) {
    if (!(options.maxEntries >= 1))
      throw new RangeError(`L1 maxEntries must be >= 1, got ${options.maxEntries}`);
    if (!(options.maxBytes >= 1))
      throw new RangeError(`L1 maxBytes must be >= 1, got ${options.maxBytes}`);
    this.now = options.now;
    this.lru = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => Math.max(1, entry.size + key.length + 64),
      // The value is dropped too, so a kept response that still references
      // the entry never pins it in memory.
      dispose: (entry) => {
        entry.dead = true;
        entry.value = undefined;
      },
    });
  }

  /** The live entry under `key`, or undefined (absent or expired). */
  get(key: string): L1Entry | undefined {
    const entry = this.lru.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Stores `entry` unless a live entry with a newer version is present (a
   * stale fill never replaces a newer value). Returns whether it was stored.
   */
  set(key: string, entry: L1Entry): boolean {
    if (!acceptsFill(this.get(key)?.version, entry.version)) return false;
    this.lru.set(key, entry);
    return true;
  }

  /** Drops the entry under `key` if it is older than `version` (a fence at `version`). */
  invalidate(key: string, version: number): void {
    const current = this.lru.get(key);
    if (current && acceptsFence(current.version, version)) this.lru.delete(key);
  }

  delete(key: string): void {
    this.lru.delete(key);
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
