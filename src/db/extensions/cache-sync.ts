/**
 * The caching extension: a `Prisma.defineExtension` factory (query component)
 * that sees every write and, after commit only, hands what changed to the
 * cache's one write door (`CommitSink.apply`: write-through of new versions,
 * version-fenced invalidation, bumps of every collection the write can
 * affect, then the bus).
 *
 * - Outside a transaction a write is committed when its query returns.
 * - Inside `$transaction` (interactive or batch) changes are buffered and
 *   applied only after the transaction commits; a rollback drops them.
 *   This needs two layers: the capture layer's hooks must run on the client
 *   the transaction is opened on, so the `$transaction` wrapper sits above it.
 * - `version` is bumped by a database trigger in the same statement as every
 *   UPDATE (prisma/migrations), so a row's new version is known exactly.
 * - Writes this extension cannot see row by row (nested writes, cascades,
 *   raw SQL, other services) reach the cache through the database's change
 *   feed (src/db/change-feed.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CommitSink, CommittedBatch, CommittedChange } from '../../cache/index.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { affectedCollections, type RelationMap } from '../relations.js';

export interface CacheSyncOptions {
  relations: RelationMap;
  /**
   * The cache's write door: `apply` is called once per committed write or
   * transaction; `knownEpoch` is read before each write or transaction
   * starts (a write-through is only valid under the epoch known before the
   * write, since an epoch advanced later may cover a newer change L2 missed).
   */
  sink: Pick<CommitSink, 'apply' | 'knownEpoch' | 'writing'>;
}

type Row = Record<string, unknown>;
type Tx = Pick<PrismaClient, 'product'>;

/** Writes of the one row `where.id` names. */
const SINGLE_ROW = new Set(['update', 'upsert', 'delete']);

const WRITES = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);

interface TxScope {
  batch: CommittedBatch;
  /** The interactive transaction's client, for reads that must see its writes. */
  client?: unknown;
}

export function cacheSync(options: CacheSyncOptions) {
  const scope = new AsyncLocalStorage<TxScope>();

  return Prisma.defineExtension((client) => {
    const capture = client.$extends({
      name: 'cache-sync:capture',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            if (!WRITES.has(operation)) return query(args);
            const current = scope.getStore();
            const epoch = current ? undefined : options.sink.knownEpoch;
            // One known row outside a transaction: its change-feed echo may beat the write's answer.
            const id = (args as { where?: { id?: unknown } }).where?.id;
            const done =
              !current && typeof id === 'number' && SINGLE_ROW.has(operation)
                ? options.sink.writing?.(model, id)
                : undefined;
            try {
              const reader = (current?.client ?? client) as Record<
                string,
                { findMany(a: unknown): Promise<Row[]> }
              >;
              const { result, batch } = await captureWrite(
                options.relations,
                model,
                operation,
                args as Row,
                query as (a: unknown) => Promise<unknown>,
                reader,
              );
              if (current) {
                current.batch.changes.push(...batch.changes);
                current.batch.collections.push(...batch.collections);
              } else {
                await options.sink.apply({ ...batch, epoch });
              }
              return result;
            } finally {
              done?.();
            }
          },
        },
      },
    });

    return capture.$extends({
      name: 'cache-sync:commit',
      client: {
        async $transaction(this: unknown, ...args: unknown[]) {
          const parent = (
            Prisma.getExtensionContext(this) as unknown as {
              $parent: { $transaction: (...a: unknown[]) => Promise<unknown> };
            }
          ).$parent;
          const txScope: TxScope = {
            batch: {
              changes: [],
              collections: [],
              epoch: options.sink.knownEpoch,
              origin: 'write',
            },
          };
          const [first, ...rest] = args;
          const run =
            typeof first === 'function'
              ? () =>
                  parent.$transaction(
                    (tx: Tx) =>
                      scope.run({ ...txScope, client: tx }, () =>
                        (first as (t: Tx) => unknown)(tx),
                      ),
                    ...rest,
                  )
              : () => parent.$transaction(first, ...rest);
          const result = await scope.run(txScope, run);
          // Committed: only now does the cache learn of it.
          if (txScope.batch.changes.length || txScope.batch.collections.length)
            await options.sink.apply(txScope.batch);
          return result;
        },
      },
    });
  });
}

/** Runs one write and describes what it changed. */
async function captureWrite(
  relations: RelationMap,
  model: string,
  operation: string,
  args: Row,
  query: (a: unknown) => Promise<unknown>,
  reader: Record<string, { findMany(a: unknown): Promise<Row[]> }>,
): Promise<{ result: unknown; batch: CommittedBatch }> {
  const fks = relations.get(model)?.foreignKeys.map((f) => f.field) ?? [];
  const delegate = reader[model.charAt(0).toLowerCase() + model.slice(1)]!;
  const keyFields = Object.fromEntries(['id', 'version', ...fks].map((f) => [f, true]));
  const withKeys = (a: Row): Row =>
    a.select ? { ...a, select: { ...(a.select as Row), ...keyFields } } : a;
  const touchesKey = (data: unknown) =>
    Boolean(data) && Object.keys(data as Row).some((k) => fks.includes(k) || relationKey(k, fks));
  const collections = (op: 'create' | 'update' | 'delete', rows: Row[], data?: unknown) =>
    affectedCollections(
      relations,
      model,
      op,
      rows,
      data ? changedColumns(data as Row, fks) : undefined,
    );
  const origin = 'write' as const;

  switch (operation) {
    case 'create':
    case 'createManyAndReturn': {
      const result = await query(withKeys(args));
      const rows = (Array.isArray(result) ? result : [result]) as Row[];
      return {
        result,
        batch: {
          changes: rows.map((r) => change(model, r, r.version as number, !args.select)),
          collections: collections('create', rows),
          origin,
        },
      };
    }
    case 'createMany': {
      const data = (Array.isArray(args.data) ? args.data : [args.data]) as Row[];
      return {
        result: await query(args),
        batch: { changes: [], collections: collections('create', data), origin },
      };
    }
    case 'update':
    case 'upsert': {
      const before = touchesKey(args.data ?? args.update)
        ? await delegate.findMany({ where: args.where, select: keyFields })
        : [];
      const result = (await query(withKeys(args))) as Row;
      const op = operation === 'upsert' ? 'create' : 'update';
      return {
        result,
        batch: {
          changes: [change(model, result, result.version as number, !args.select)],
          collections: collections(op, [...before, result], op === 'update' && args.data),
          origin,
        },
      };
    }
    case 'updateMany':
    case 'updateManyAndReturn':
    case 'deleteMany': {
      const before = await delegate.findMany({ where: args.where, select: keyFields });
      const result = await query(args);
      const deleting = operation === 'deleteMany';
      const after = touchesKey(args.data)
        ? before.map((r) => ({ ...r, ...(args.data as Row) }))
        : [];
      const changes: CommittedChange[] = before.map((r) => ({
        model,
        id: r.id as number,
        version: (r.version as number) + 1,
        row: deleting ? null : undefined,
      }));
      return {
        result,
        batch: {
          changes,
          collections: collections(
            deleting ? 'delete' : 'update',
            [...before, ...after],
            !deleting && args.data,
          ),
          origin,
        },
      };
    }
    case 'delete': {
      const result = (await query(withKeys(args))) as Row;
      const changes = [
        { model, id: result.id as number, version: (result.version as number) + 1, row: null },
      ];
      return { result, batch: { changes, collections: collections('delete', [result]), origin } };
    }
    default:
      return { result: await query(args), batch: { changes: [], collections: [], origin } };
  }
}

function change(model: string, row: Row, version: number, complete: boolean): CommittedChange {
  return { model, id: row.id as number, version, row: complete ? row : undefined };
}

/**
 * The columns an update's `data` changes, a relation field counting as its
 * foreign key (`category: { connect }` changes `categoryId`). Nested writes
 * of other models change their own rows, which the change feed reports.
 */
function changedColumns(data: Row, fks: readonly string[]): string[] {
  return Object.keys(data).map((k) => (relationKey(k, fks) ? `${k}Id` : k));
}

/** A relation field such as `category` for the foreign key `categoryId`. */
function relationKey(key: string, fks: readonly string[]): boolean {
  return fks.includes(`${key}Id`);
}
