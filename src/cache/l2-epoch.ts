/**
 * Whether this instance may trust L2, and the epoch that makes it safe to.
 *
 * Every L2 record carries the epoch it was written under, and readers get
 * the current epoch in the same MGET as the records; a record of another
 * epoch is a miss. When this instance could not apply a committed change to
 * L2 (Redis down, paused past the command timeout, a reconnect that may have
 * lost acknowledged writes, a change-feed reconnect that may have lost
 * notifications), it records a *missed change* and stops using L2. Before it
 * uses L2 again it advances the epoch (one script call), which turns every
 * record written before into a miss, for every instance at once. A change
 * missed while that call is in flight makes it advance again.
 *
 * Pure bookkeeping: L2Store makes the Redis calls.
 */
export type MissReason = 'write-failed' | 'write-skipped' | 'reconnect' | 'change-feed';

export class L2Epoch {
  /** The last epoch read from Redis; undefined before the first read. */
  private current: number | undefined;
  private missed = 0;
  private recovered = 0;

  constructor(private readonly onChange: (reason: 'advanced' | 'observed') => void) {}

  get known(): number | undefined {
    return this.current;
  }

  /** True while no change this instance failed to apply is outstanding. */
  get trusted(): boolean {
    return this.missed === this.recovered;
  }

  /** Records a change that L2 may lack. */
  markMissed(): void {
    this.missed++;
  }

  /** Starts a recovery: returns the mark to hand to `recoveredAt` once the epoch advanced. */
  beginRecovery(): number {
    return this.missed;
  }

  /** The epoch was advanced to `epoch` after every miss up to `mark`. */
  recoveredAt(mark: number, epoch: number): void {
    this.recovered = mark;
    this.current = epoch;
    this.onChange('advanced');
  }

  /** An epoch read from Redis; a change from the one known means records this instance copied may be stale. */
  observe(epoch: number): void {
    const before = this.current;
    this.current = epoch;
    if (before !== undefined && before !== epoch) this.onChange('observed');
  }
}
