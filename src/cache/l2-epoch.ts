/**
 * Whether this instance may trust L2, and what it must do before it trusts
 * it again after a change L2 may lack.
 *
 * Every L2 record carries the epoch it was written under, and readers get
 * the current epoch in the same MGET as the records; a record of another
 * epoch is a miss. When this instance could not apply a committed change to
 * L2, it stops using L2 and, before using it again, either
 * - replays what it missed as fences and collection bumps (a write-through or
 *   fence that failed or timed out while the connection stayed up: replaying
 *   is idempotent, and a fence only ever causes misses), or
 * - advances the epoch, which turns every record written before into a miss
 *   for every instance at once: when it cannot know what L2 lacks (the
 *   connection closed, so a restart or failover may have lost writes Redis
 *   had acknowledged; the change feed reconnected, so notifications may have
 *   been lost; or too much was missed to keep).
 * A change missed while a recovery is in flight makes another one follow.
 *
 * Pure bookkeeping: L2Store makes the Redis calls.
 */
export type MissReason = 'write-failed' | 'write-skipped' | 'reconnect' | 'change-feed';

/** A missed change to one entity: fenced at `version` on replay. */
export interface MissedEntity {
  key: string;
  version: number;
  ttlMs: number;
}

export interface RecoveryPlan {
  mark: number;
  /** Advance the epoch (else replay `fences` and `bumps`). */
  advance: boolean;
  fences: MissedEntity[];
  bumps: string[];
}

/** Beyond this many missed changes, advancing the epoch is cheaper than keeping them. */
const MAX_KEPT = 10_000;

export class L2Epoch {
  /** The last epoch read from Redis; undefined before the first read. */
  private current: number | undefined;
  private missed = 0;
  private recovered = 0;
  private advanceAt = 0;
  private advancedAt = 0;
  private readonly fences = new Map<string, MissedEntity>();
  private readonly bumps = new Set<string>();

  constructor(private readonly onChange: (reason: 'advanced' | 'observed') => void) {}

  get known(): number | undefined {
    return this.current;
  }

  /** True while no change this instance failed to apply is outstanding. */
  get trusted(): boolean {
    return this.missed === this.recovered;
  }

  /** Records changes L2 may lack; without `change`, what was lost is unknown and the epoch must advance. */
  markMissed(change?: {
    entities?: readonly MissedEntity[];
    collections?: readonly string[];
  }): void {
    this.missed++;
    if (!change) {
      this.advanceAt = this.missed;
      return;
    }
    for (const e of change.entities ?? []) {
      const kept = this.fences.get(e.key);
      if (!kept || kept.version < e.version)
        this.fences.set(e.key, { ...e, ttlMs: Math.max(e.ttlMs, kept?.ttlMs ?? 0) });
    }
    for (const c of change.collections ?? []) this.bumps.add(c);
    if (this.fences.size + this.bumps.size > MAX_KEPT) this.advanceAt = this.missed;
  }

  /** What to do to trust L2 again. */
  plan(): RecoveryPlan {
    return {
      mark: this.missed,
      advance: this.advanceAt > this.advancedAt,
      fences: [...this.fences.values()],
      bumps: [...this.bumps],
    };
  }

  /** `plan` was carried out; with an advance, `epoch` is the new epoch. */
  done(plan: RecoveryPlan, epoch?: number): void {
    for (const f of plan.fences)
      if (this.fences.get(f.key)?.version === f.version) this.fences.delete(f.key);
    for (const b of plan.bumps) this.bumps.delete(b);
    this.recovered = plan.mark;
    if (plan.advance && epoch !== undefined) {
      this.advancedAt = plan.mark;
      this.current = epoch;
      this.onChange('advanced');
    }
  }

  /** An epoch read from Redis; a change from the one known means records this instance copied may be stale. */
  observe(epoch: number): void {
    const before = this.current;
    this.current = epoch;
    if (before !== undefined && before !== epoch) this.onChange('observed');
  }
}
