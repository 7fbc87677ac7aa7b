/**
 * What one execution read through the cache: every entity and every view of
 * a collection it was served, as the L1 entry that held it. A response built
 * from those reads may be served again only while every one of those entries
 * is still in L1 and unexpired (an entry is marked dead the moment L1 lets
 * go of it: replaced by a newer version, invalidated, evicted, flushed), and
 * no collection among them has been invalidated since its view was loaded.
 * So a reused response is never staler than an L1 entry could be, and the
 * check needs no lookup (see response-store.ts).
 *
 * A read that did not come from L1 (a strict type, a value L1 refused or has
 * already replaced, an uncached source) spoils the set: such a response is
 * never reused.
 */
import type { L1Entry } from './l1-store.js';

/** A frozen read set: parallel arrays, cheap to check on every reuse. */
export interface Dependencies {
  readonly entries: readonly L1Entry[];
  /** The collection of each entry (its fence must still accept the entry's version), or null for an entity. */
  readonly collections: ReadonlyArray<string | null>;
}

export class ReadSet {
  private readonly entries = new Map<string, L1Entry>();
  private readonly collections = new Map<string, string>();
  private spoiledBy: string | null = null;

  /** Records that the entity under `key` was served from this L1 entry. */
  entity(key: string, entry: L1Entry): void {
    const seen = this.entries.get(key);
    if (seen === undefined) this.entries.set(key, entry);
    else if (seen !== entry) this.spoil(`${key} was read from two L1 entries`);
  }

  /** Records that the view under `key` of collection `name` was served from this L1 entry. */
  collection(key: string, name: string, entry: L1Entry): void {
    this.entity(key, entry);
    this.collections.set(key, name);
  }

  /** Marks the set unusable for reuse, keeping the first reason (for debugging). */
  spoil(reason: string): void {
    this.spoiledBy ??= reason;
  }

  get spoiled(): string | null {
    return this.spoiledBy;
  }

  freeze(): Dependencies {
    const keys = [...this.entries.keys()];
    return {
      entries: keys.map((k) => this.entries.get(k)!),
      collections: keys.map((k) => this.collections.get(k) ?? null),
    };
  }
}
