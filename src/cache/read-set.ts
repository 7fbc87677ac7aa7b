/**
 * What one execution read through the cache: every entity and every view of
 * a collection it was served, each with the version L1 held for it. A
 * response built from those reads may be served again only while L1 still
 * holds every one of them at that version (see response-store.ts), so a
 * reused response is never staler than an L1 entry could be.
 *
 * A read that did not come from L1 (a strict type, a value L1 refused or has
 * already replaced, an uncached source) spoils the set: such a response is
 * never reused.
 */

/** A frozen read set: parallel arrays, cheap to check on every reuse. */
export interface Dependencies {
  readonly keys: readonly string[];
  readonly versions: readonly number[];
  /** The collection a key belongs to (its fence must still accept the version), or null for an entity. */
  readonly collections: ReadonlyArray<string | null>;
}

export class ReadSet {
  private readonly versions = new Map<string, number>();
  private readonly collections = new Map<string, string>();
  private spoiledBy: string | null = null;

  /** Records that the entity under `key` was served at `version`. */
  entity(key: string, version: number): void {
    const seen = this.versions.get(key);
    if (seen === undefined) this.versions.set(key, version);
    else if (seen !== version) this.spoil(`${key} was read at two versions`);
  }

  /** Records that the view under `key` of collection `name` was served, loaded under fence stamp `stamp`. */
  collection(key: string, name: string, stamp: number): void {
    this.entity(key, stamp);
    this.collections.set(key, name);
  }

  /** Marks the set unusable for reuse, keeping the first reason (for debugging). */
  spoil(reason: string): void {
    this.spoiledBy ??= reason;
  }

  get spoiled(): string | null {
    return this.spoiledBy;
  }

  get size(): number {
    return this.versions.size;
  }

  freeze(): Dependencies {
    const keys = [...this.versions.keys()];
    return { keys, versions: keys.map((k) => this.versions.get(k)!), collections: keys.map((k) => this.collections.get(k) ?? null) };
  }
}
