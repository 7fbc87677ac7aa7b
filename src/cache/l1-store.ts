/**
 * L1: the in-process tier. Bounded by entry count and by bytes (lru-cache;
 * see the README for why LRU over a TinyLFU port), synchronous, holding
 * decoded values with the version they were read at.
 *
 * Expiry is decided here with an injected clock rather than by lru-cache's own
 * timers, so TTL tests need no sleeps and an expired entry is never served.
 *
 * An invalidation at a version this tier does not hold yet leaves a *floor*:
 * the key is known to exist at that version or newer. Nothing older is taken
 * in again (`set` refuses it), and readers refuse older records from L2
 * (`floor`): L2 can hold an older record for a while after another writer
 * acknowledged (a write-through that failed or is late, a fence not yet
 * stored), and this instance has been told. Only announced versions make
 * floors (the bus, the change feed, a write's fence), never guesses. Floors
 * are bounded in number like the entries, expire after `floorTtlMs`, and
 * survive `clear` (what they say stays true).
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
  /**
   * How long a floor is kept (default 5 minutes): far longer than L2 can hold
   * an older record once Redis answers again (the writer replays or fences
   * what it could not store, or advances the epoch).
   */
  floorTtlMs?: number;
}

export class L1Store {
  private readonly lru: LRUCache<string, L1Entry>;
  /** Versions announced for keys whose newer value this tier does not hold (see above). */
  private readonly floors: LRUCache<string, { version: number; expiresAt: number }>;
  private readonly now: () => number;
  private readonly floorTtlMs: number;

  constructor(options: L1Options) {
    if (!(options.maxEntries >= 1))
      throw new RangeError(`L1 maxEntries must be >= 1, got ${options.maxEntries}`);
    if (!(options.maxBytes >= 1))
      throw new RangeError(`L1 maxBytes must be >= 1, got ${options.maxBytes}`);
    this.now = options.now;
    this.floorTtlMs = options.floorTtlMs ?? 5 * 60_000;
    this.floors = new LRUCache({ max: options.maxEntries });
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
    if (!acceptsFill(this.get(key)?.version ?? this.floor(key), entry.version)) return false;
    this.lru.set(key, entry);
    this.floors.delete(key);
    return true;
  }

  /**
   * Drops the entry under `key` if it is older than `version` (a fence at
   * `version`); unless an entry at `version` or newer is held, the key's
   * floor rises to `version`.
   */
  invalidate(key: string, version: number): void {
    const current = this.lru.get(key);
    if (current && !acceptsFence(current.version, version)) return;
    if (current) this.lru.delete(key);
    if (acceptsFence(this.floor(key), version))
      this.floors.set(key, { version, expiresAt: this.now() + this.floorTtlMs });
  }

  /** The version `key` is known to have reached without this tier holding it, or undefined. */
  floor(key: string): number | undefined {
    if (this.floors.size === 0) return undefined;
    const floor = this.floors.get(key);
    if (!floor) return undefined;
    if (floor.expiresAt <= this.now()) {
      this.floors.delete(key);
      return undefined;
    }
    return floor.version;
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
