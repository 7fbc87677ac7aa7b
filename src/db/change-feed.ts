/**
 * The database's change feed: every committed row change arrives on the
 * `catalog_changes` NOTIFY channel (triggers in prisma/migrations), whoever
 * made it: this API, another service, or a `psql` session. Each instance
 * listens and hands each change, as a CommittedBatch, to the cache's write
 * door (which fences the changed rows and bumps the affected collections),
 * so writes that bypass the caching extension reach the cache within
 * milliseconds, and every instance's L1 follows them.
 *
 * Created here, wired once by the composition root, started and stopped
 * with the app; a test can leave it off (AppOverrides.changeFeed).
 */
import type { CollectionId, CommitSink, CommittedBatch } from '../cache/index.js';
import type { Database } from './database.js';
import { affectedCollections, type RelationMap } from './relations.js';

/** The NOTIFY channel the change-feed triggers write to. */
export const CHANGE_FEED_CHANNEL = 'catalog_changes';

/** A notification as the triggers write it (the wire format only; it becomes a CommittedBatch at once). */
interface Payload {
  t: string;
  op: 'insert' | 'update' | 'delete';
  id: number;
  v: number;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  /** An update's changed columns (absent before migration 20261124160000). */
  changed?: unknown;
}

/** Parses one notification into a committed batch; null for a malformed payload or an unknown table. */
export function parseChange(payload: string, relations: RelationMap): CommittedBatch | null {
  let n: Payload;
  try {
    n = JSON.parse(payload) as Payload;
  } catch {
    return null;
  }
  if (!relations.has(n.t) || !Number.isSafeInteger(n.id) || !Number.isSafeInteger(n.v)) return null;
  const op = n.op === 'insert' ? 'create' : n.op;
  const rows = [n.old, n.new]
    .filter((r): r is Record<string, unknown> => r !== null)
    .map((r) => ({ ...r, id: n.id }));
  const changed =
    op === 'update' && Array.isArray(n.changed) && n.changed.every((c) => typeof c === 'string')
      ? (n.changed as string[])
      : undefined;
  const collections: CollectionId[] = affectedCollections(relations, n.t, op, rows, changed);
  // The notification carries keys, not the whole row: a partly known change (fenced), or a delete.
  const version = op === 'delete' ? n.v + 1 : n.v;
  return {
    changes: [{ model: n.t, id: n.id, version, row: op === 'delete' ? null : undefined }],
    collections,
    origin: 'feed',
  };
}

export interface ChangeFeedOptions {
  database: Pick<Database, 'listen'>;
  relations: RelationMap;
  /** The cache's write door. */
  sink: Pick<CommitSink, 'apply' | 'changesLost'>;
  channel?: string;
}

export class ChangeFeed {
  private stop: (() => Promise<void>) | undefined;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Starts listening; resolves once the listener is in place. */
  async start(): Promise<void> {
    if (this.stop) return;
    const { database, relations, sink } = this.options;
    this.stop = await database.listen(
      this.options.channel ?? CHANGE_FEED_CHANNEL,
      (payload) => {
        const batch = parseChange(payload, relations);
        if (batch) void sink.apply(batch);
      },
      // Notifications may have been lost while reconnecting.
      () => sink.changesLost('change-feed'),
    );
  }

  async close(): Promise<void> {
    const stop = this.stop;
    this.stop = undefined;
    await stop?.();
  }
}
