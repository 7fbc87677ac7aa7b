/**
 * Chooses where a read goes when PostgreSQL read replicas are configured:
 * a replica that has replayed every write this instance acknowledged or
 * heard of, else the primary. By LSN, not by time:
 * - after each commit of this instance (before the mutation answers) the
 *   primary's current WAL position is recorded;
 * - when another writer's commit is heard of (the change feed, which every
 *   committed write reaches), reads use the primary until the primary's
 *   position has been read again after that, and is recorded;
 * - a replica serves reads again only once its replay position
 *   (`pg_last_wal_replay_lsn()`) has reached the recorded position.
 * The second rule matters when a read misses the cache (an L2 fence, an
 * epoch advance, Redis unavailable): the write another instance acknowledged
 * must not be read older from a lagging replica. Nobody waits for a
 * replica: until one catches up, reads go to the primary, and a background
 * poll watches the replicas.
 *
 * Reads inside transactions and all writes never come here (they use the
 * primary client); neither does the change feed (LISTEN needs the primary).
 */
import type { PrismaClient } from '../generated/prisma/client.js';

export interface Replica {
  prisma: PrismaClient;
  /** The replica's replay position (`X/Y`), or null when it is not in recovery (then it is a primary itself). */
  replayLsn(): Promise<string | null>;
}

export interface ReplicaRouterOptions {
  replicas: Replica[];
  /** The primary's current WAL position (`pg_current_wal_lsn()`). */
  primaryLsn(): Promise<string>;
  /** How often replicas are polled while one is behind; default 10 ms. */
  pollMs?: number;
  /** Reads served per destination, for metrics and tests. */
  onRead?: (destination: 'replica' | 'primary') => void;
}

/** An LSN `X/Y` (hex) as one comparable number. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new RangeError(`not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export class ReplicaRouter {
  /** The WAL position every acknowledged write of this instance is at or before. */
  private target = 0n;
  /** A commit whose position could not be read yet: the primary until it can. */
  private unknownCommit = false;
  /** Counts `seen` calls; a position read counts only for the calls made before it was asked for. */
  private heard = 0;
  private readonly replayed: bigint[];
  private next = 0;
  private polling = false;
  private closed = false;

  constructor(private readonly options: ReplicaRouterOptions) {
    if (options.replicas.length === 0)
      throw new RangeError('ReplicaRouter needs at least one replica');
    this.replayed = options.replicas.map(() => 0n);
  }

  /** Call after a commit, before its acknowledgement: later reads see it. Never throws. */
  async committed(): Promise<void> {
    try {
      this.raise(parseLsn(await this.options.primaryLsn()));
    } catch {
      this.unknownCommit = true;
    }
    this.poll();
  }

  /**
   * Another writer committed (heard through the change feed): until the
   * primary's position has been read after this call, reads use the
   * primary; then they wait for a replica that has replayed it. Synchronous,
   * so a read that follows in the same tick already obeys it. Never throws.
   */
  seen(): void {
    this.heard++;
    this.unknownCommit = true;
    this.poll();
  }

  /** The client one read should use: a caught-up replica (round robin), or undefined for the primary. */
  pick(): PrismaClient | undefined {
    if (!this.unknownCommit) {
      for (let i = 0; i < this.replayed.length; i++) {
        const n = (this.next + i) % this.replayed.length;
        if (this.replayed[n]! >= this.target) {
          this.next = n + 1;
          this.options.onRead?.('replica');
          return this.options.replicas[n]!.prisma;
        }
      }
    }
    this.poll();
    this.options.onRead?.('primary');
    return undefined;
  }

  /** A read failed on `replica` (down, restarting): skip it until the poll sees it answer again. */
  failed(replica: PrismaClient): void {
    const i = this.options.replicas.findIndex((r) => r.prisma === replica);
    if (i === -1) return;
    this.replayed[i] = -1n;
    this.poll();
  }

  close(): void {
    this.closed = true;
  }

  private raise(lsn: bigint): void {
    if (lsn > this.target) this.target = lsn;
  }

  private behind(): boolean {
    return this.unknownCommit || this.replayed.some((r) => r < this.target);
  }

  /** While a replica is behind (or a commit's position is unknown), polls in the background. */
  private poll(): void {
    if (this.polling || this.closed || !this.behind()) return;
    this.polling = true;
    const tick = async () => {
      if (this.unknownCommit) {
        // A later position is at or after the commit's: safe to wait for.
        // Commits heard of while it was being read may be later still.
        const heard = this.heard;
        const lsn = await this.options.primaryLsn().then(parseLsn, () => undefined);
        if (lsn !== undefined) {
          this.raise(lsn);
          if (heard === this.heard) this.unknownCommit = false;
        }
      }
      await Promise.all(
        this.options.replicas.map(async (replica, i) => {
          if (this.replayed[i]! >= this.target) return;
          const lsn = await replica.replayLsn().then(
            (text) => (text === null ? this.target : parseLsn(text)),
            () => undefined,
          );
          if (lsn !== undefined && lsn > this.replayed[i]!) this.replayed[i] = lsn;
        }),
      );
      if (this.closed || !this.behind()) {
        this.polling = false;
        return;
      }
      setTimeout(() => void tick(), this.options.pollMs ?? 10).unref();
    };
    void tick();
  }
}
