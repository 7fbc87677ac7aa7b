/**
 * The change feed reports every committed write, including the ones this
 * instance has just applied through its write door. For those the feed's
 * work (a fence at the written version, bumps of the same collections) is
 * already done, provided the write reached L2. FeedEchoes remembers each
 * write while it is applied and strips its echo from the feed's batch:
 *
 * - a write of one known row is announced before it runs (`writing`), and
 *   every write is noted when it reaches the write door, before its first
 *   round trip: the notification often arrives before either, and an echo
 *   then waits for the write's outcome;
 * - only a change at exactly the written version is stripped, and only when
 *   every row of the write was written through (L2 answered), so L2 holds
 *   that version or a newer one; otherwise the echo is applied in full;
 * - only the collections the write bumped in L2 are dropped from the echo's
 *   bumps (a bump after the commit is what counts, and the write's was one).
 */
import type { CommittedBatch, CommittedChange } from './committed-batch.js';

/** What a write did: the collections it bumped when every row reached L2, undefined otherwise. */
export type WriteOutcome = readonly string[] | undefined;

export interface FeedEchoesOptions {
  /** The entity key of a change, or undefined when the model is not cached. */
  keyOf: (change: CommittedChange) => string | undefined;
  /** The name of a collection, as bumps report them. */
  nameOf: (collection: CommittedBatch['collections'][number]) => string;
  /** Writes remembered at most (the feed answers within milliseconds). */
  max?: number;
}

export class FeedEchoes {
  private readonly pending = new Map<string, { version: number; done: Promise<WriteOutcome> }>();
  /** Writes announced before they run (`writing`), until they reach the write door or fail. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly max: number;

  constructor(private readonly options: FeedEchoesOptions) {
    this.max = options.max ?? 4096;
  }

  /**
   * Notes a write about to run on `key`: an echo for that key that arrives
   * before the write reaches the write door waits until it does (or fails:
   * call the result either way).
   */
  writing(key: string): () => void {
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const before = this.running.get(key);
    // Overlapping writes of one row: the echo waits for all of them.
    const all = before ? Promise.all([before, ended]).then(() => undefined) : ended;
    this.running.set(key, all);
    if (this.running.size > this.max) this.running.delete(this.running.keys().next().value!);
    return () => {
      end();
      if (this.running.get(key) === all) this.running.delete(key);
    };
  }

  /** Notes a write about to be applied; call the result once with its outcome (later calls are ignored). */
  expect(batch: CommittedBatch): (outcome: WriteOutcome) => void {
    let settle: (outcome: WriteOutcome) => void = () => undefined;
    const done = new Promise<WriteOutcome>((resolve) => (settle = resolve));
    for (const c of batch.changes) {
      const key = this.options.keyOf(c);
      if (key === undefined) continue;
      this.pending.delete(key);
      this.pending.set(key, { version: c.version, done });
      if (this.pending.size > this.max) this.pending.delete(this.pending.keys().next().value!);
    }
    return settle;
  }

  /** The feed's batch without what a remembered write did; the same batch when there is nothing to strip. */
  async strip(batch: CommittedBatch): Promise<CommittedBatch> {
    if (this.pending.size === 0 && this.running.size === 0) return batch;
    const changes: CommittedChange[] = [];
    const bumped = new Set<string>();
    for (const c of batch.changes) {
      const key = this.options.keyOf(c);
      const running = key === undefined ? undefined : this.running.get(key);
      if (running && this.pending.get(key!)?.version !== c.version) await running;
      const echo = key === undefined ? undefined : this.pending.get(key);
      const outcome = echo?.version === c.version ? await echo.done : undefined;
      if (outcome) {
        if (this.pending.get(key!) === echo) this.pending.delete(key!);
        for (const name of outcome) bumped.add(name);
      } else changes.push(c);
    }
    if (changes.length === batch.changes.length) return batch;
    return {
      ...batch,
      changes,
      collections: batch.collections.filter((c) => !bumped.has(this.options.nameOf(c))),
    };
  }
}
