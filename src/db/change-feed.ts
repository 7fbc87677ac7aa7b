/**
 * The database's change feed: every committed row change arrives on the
 * `catalog_changes` NOTIFY channel (triggers in prisma/migrations), whoever
 * made it: this API, another service, or a `psql` session. Each instance
 * listens and fences the changed entities and bumps the affected collections,
 * so writes that bypass the caching extension reach the cache within
 * milliseconds, and every instance's L1 follows them.
 */
import type { CollectionId } from '../cache/keys.js';
import type { ChangeBatch, RowChange } from './extensions/cache-sync.js';
import { affectedCollections, type RelationMap } from './relations.js';

interface Notification {
  t: string;
  op: 'insert' | 'update' | 'delete';
  id: number;
  v: number;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
}

/** Parses one notification into a change batch; null for a malformed payload. */
export function parseChange(payload: string, relations: RelationMap): ChangeBatch | null {
  let n: Notification;
  try {
    n = JSON.parse(payload) as Notification;
  } catch {
    return null;
  }
  if (!relations.has(n.t) || !Number.isSafeInteger(n.id) || !Number.isSafeInteger(n.v)) return null;
  const op = n.op === 'insert' ? 'create' : n.op;
  const rows = [n.old, n.new].filter((r): r is Record<string, unknown> => r !== null).map((r) => ({ ...r, id: n.id }));
  const collections: CollectionId[] = affectedCollections(relations, n.t, op, rows);
  const change: RowChange = { model: n.t, id: n.id, version: op === 'delete' ? n.v + 1 : n.v, row: op === 'delete' ? null : undefined };
  return { changes: [change], collections };
}
