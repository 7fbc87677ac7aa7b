/**
 * Per-request DataLoaders for every model in src/model/registry.ts, made on
 * first use:
 *
 * - `entity(model)`: rows by id, one `findMany({ where: { id: { in } } })` per
 *   batch for what L1 and L2 lack, selecting only the cached columns;
 * - `page(model)`: id-ordered pages of all rows or of one parent's rows (any
 *   declared foreign key); pages of several parents requested together (a
 *   list of categories, each with `products(first: N)`) are one statement;
 * - `count(model)`: the total behind a page;
 * - `newest(model, field)`: the newest `first` ids per parent, one window
 *   query for every parent in the batch;
 * - `allIds(model)`: the ids of every row, in the registry's order.
 *
 * Each result is cached as an id list or a value under the collection it
 * depends on (the rows of the model, or of one parent); members come
 * through the entity loaders.
 */
import DataLoader from 'dataloader';
import type { CollectionId, CollectionRef } from '../cache/index.js';
import { Prisma } from '../generated/prisma/client.js';
import { declarationOf, type ModelName, type RowOf } from '../model/registry.js';
import {
  groupBy,
  type LoaderDeps,
  loadCollections,
  loadEntities,
  type RequestScope,
} from './loader-deps.js';
import type { Page, PageKey, ParentScope } from './pages.js';

/** The newest `first` children of one parent. */
export interface ChildKey {
  parentId: number;
  first: number;
}

/** The total behind a page: all rows of a model (`parent: null`) or one parent's. */
export interface CountKey {
  parent: ParentScope | null;
}

type Row = Record<string, unknown> & { id: number; version: number };

/** The Prisma delegate calls the generic loaders make, typed loosely: the registry names the delegate. */
interface Delegate {
  findMany(args: unknown): Promise<Row[]>;
  count(args?: unknown): Promise<number>;
  groupBy(args: unknown): Promise<Array<Record<string, unknown> & { _count: { _all: number } }>>;
}

const collectionOf = (model: string, scope: ParentScope | null): CollectionId =>
  scope ? { model, field: scope.field, value: scope.value } : { model, field: null, value: null };

const scopeKey = (scope: ParentScope | null) => (scope ? `${scope.field}=${scope.value}` : '*');
const pageParams = (k: PageKey) => `page.first=${k.first}.after=${k.afterId}`;
const pageKey = (k: PageKey) => `${k.model}|${scopeKey(k.scope)}|${pageParams(k)}`;

/** The cached collection behind a page. */
export function pageRef(k: PageKey): CollectionRef {
  return { collection: collectionOf(k.model, k.scope), params: pageParams(k) };
}

/** The cached collection behind a page's total count. */
export function countRef(model: string, scope: ParentScope | null): CollectionRef {
  return { collection: collectionOf(model, scope), params: 'count' };
}

/** The cached collection behind the newest `first` rows of one parent. */
export function newestRef(model: string, field: string, k: ChildKey): CollectionRef {
  return { collection: { model, field, value: k.parentId }, params: `first=${k.first}` };
}

/** The cached collection behind the ids of every row of a model. */
export function allRef(model: string): CollectionRef {
  return { collection: { model, field: null, value: null }, params: 'all' };
}

/** A trusted identifier (a model or column name from the registry) quoted for SQL; tables are named after their models (no @@map). */
const ident = (name: string) => Prisma.raw(`"${name.replace(/"/g, '""')}"`);

export function createCatalogLoaders(deps: LoaderDeps, scope: RequestScope) {
  const delegate = (model: string) =>
    (deps.prisma as unknown as Record<string, Delegate>)[declarationOf(model).delegate]!;
  const made = new Map<string, unknown>();
  const once = <L>(key: string, make: () => L): L => {
    let loader = made.get(key) as L | undefined;
    if (loader === undefined) made.set(key, (loader = make()));
    return loader;
  };

  const fetchPages = async (model: ModelName, keys: PageKey[]): Promise<Page[]> => {
    const results = new Map<string, Page>();
    // One statement per distinct (parent key, first, after): all parents at once.
    for (const group of groupBy(
      keys,
      (k) => `${k.scope?.field ?? '*'}|${pageParams(k)}`,
    ).values()) {
      const { first, afterId, scope: sample } = group[0]!;
      if (!sample) {
        const rows = await delegate(model).findMany({
          where: { id: { gt: afterId } },
          orderBy: { id: 'asc' },
          take: first + 1,
          select: { id: true },
        });
        results.set(
          pageKey(group[0]!),
          toPage(
            group[0]!,
            rows.map((r) => r.id),
          ),
        );
        continue;
      }
      const column = ident(sample.field);
      const parents = group.map((k) => k.scope!.value);
      const rows = await deps.prisma.$queryRaw<Array<{ id: number; parent: number }>>`
        SELECT id, parent FROM (
          SELECT id, ${column} AS parent, row_number() OVER (PARTITION BY ${column} ORDER BY id) AS rank
          FROM ${ident(model)} WHERE ${column} = ANY(${parents}::int[]) AND id > ${afterId}
        ) ranked WHERE rank <= ${first + 1} ORDER BY parent, id`;
      const byParent = groupBy(rows, (r) => String(r.parent));
      for (const k of group)
        results.set(
          pageKey(k),
          toPage(
            k,
            (byParent.get(String(k.scope!.value)) ?? []).map((r) => r.id),
          ),
        );
    }
    return keys.map((k) => results.get(pageKey(k))!);
  };

  const fetchCounts = async (
    model: ModelName,
    scopes: ReadonlyArray<ParentScope | null>,
  ): Promise<number[]> => {
    const counts = new Map<string, number>();
    if (scopes.includes(null)) counts.set('*', await delegate(model).count());
    for (const [field, group] of groupBy(
      scopes.filter((s): s is ParentScope => s !== null),
      (s) => s.field,
    )) {
      const groups = await delegate(model).groupBy({
        by: [field],
        where: { [field]: { in: group.map((s) => s.value) } },
        _count: { _all: true },
      });
      for (const g of groups) counts.set(`${field}=${g[field] as number}`, g._count._all);
    }
    return scopes.map((s) => counts.get(scopeKey(s)) ?? 0);
  };

  /** One window query: the newest `first` ids per parent, for every parent in the batch. */
  const fetchNewest =
    (model: ModelName, field: string) =>
    async (refs: CollectionRef[]): Promise<number[][]> => {
      const out = new Map<string, number[]>();
      for (const [params, group] of groupBy(refs, (r) => r.params)) {
        const first = Number(params.split('=')[1]);
        const parents = group.map((r) => r.collection.value!);
        const column = ident(field);
        const rows = await deps.prisma.$queryRaw<Array<{ id: number; parent: number }>>`
        SELECT id, parent FROM (
          SELECT id, ${column} AS parent,
                 row_number() OVER (PARTITION BY ${column} ORDER BY "createdAt" DESC, id DESC) AS rank
          FROM ${ident(model)} WHERE ${column} = ANY(${parents}::int[])
        ) ranked WHERE rank <= ${first} ORDER BY parent, rank`;
        for (const row of rows) {
          const key = `${row.parent}|${params}`;
          out.set(key, [...(out.get(key) ?? []), row.id]);
        }
      }
      return refs.map((r) => out.get(`${r.collection.value}|${r.params}`) ?? []);
    };

  return {
    /** Rows of `model` by id (null for a missing id). */
    entity: <M extends ModelName>(model: M): DataLoader<number, RowOf<M> | null> =>
      once(`entity:${model}`, () => {
        const select = deps.shapes.get(model)?.select;
        return new DataLoader<number, RowOf<M> | null>(
          (ids) =>
            loadEntities(deps, scope, model, ids, (missing) =>
              delegate(model).findMany({
                where: { id: { in: missing } },
                ...(select && { select }),
              }),
            ) as Promise<Array<RowOf<M> | null>>,
        );
      }),
    /** Id-ordered pages of `model`'s rows. */
    page: (model: ModelName): DataLoader<PageKey, Page, string> =>
      once(
        `page:${model}`,
        () =>
          new DataLoader<PageKey, Page, string>(
            (keys) =>
              loadCollections<Page>(deps, scope, model, keys.map(pageRef), (refs) =>
                fetchPages(
                  model,
                  refs.map((r) => keyOfRef(r, keys)),
                ),
              ),
            { cacheKeyFn: pageKey },
          ),
      ),
    /** How many rows of `model` (all, or of one parent) there are. Keyed by an object: DataLoader refuses a null key. */
    count: (model: ModelName): DataLoader<CountKey, number, string> =>
      once(
        `count:${model}`,
        () =>
          new DataLoader<CountKey, number, string>(
            (keys) =>
              loadCollections<number>(
                deps,
                scope,
                model,
                keys.map((k) => countRef(model, k.parent)),
                (refs) =>
                  fetchCounts(
                    model,
                    refs.map(({ collection: c }) =>
                      c.field === null ? null : { field: c.field, value: c.value! },
                    ),
                  ),
              ),
            { cacheKeyFn: (k) => scopeKey(k.parent) },
          ),
      ),
    /** The newest ids of `model` per parent, by the foreign key `field`. */
    newest: (model: ModelName, field: string): DataLoader<ChildKey, number[], string> =>
      once(`newest:${model}.${field}`, () => {
        const fetch = fetchNewest(model, field);
        return new DataLoader<ChildKey, number[], string>(
          (keys) =>
            loadCollections(
              deps,
              scope,
              model,
              keys.map((k) => newestRef(model, field, k)),
              fetch,
            ),
          { cacheKeyFn: (k) => `${k.parentId}:${k.first}` },
        );
      }),
    /** The ids of every row of `model`, ordered by the registry's `query.all.orderBy`. */
    allIds: (model: ModelName): DataLoader<'all', number[]> =>
      once(`all:${model}`, () => {
        const orderBy = declarationOf(model).query?.all?.orderBy ?? 'id';
        return new DataLoader<'all', number[]>((keys) =>
          loadCollections<number[]>(deps, scope, model, [allRef(model)], async () => {
            const rows = await delegate(model).findMany({
              orderBy: { [orderBy]: 'asc' },
              select: { id: true },
            });
            return [rows.map((r) => r.id)];
          }).then(([ids]) => keys.map(() => ids!)),
        );
      }),
  };
}

/** Finds the page key a collection ref was made from. */
function keyOfRef(ref: CollectionRef, keys: readonly PageKey[]): PageKey {
  return keys.find(
    (k) =>
      pageParams(k) === ref.params &&
      scopeKey(k.scope) ===
        scopeKey(
          ref.collection.field === null
            ? null
            : { field: ref.collection.field, value: ref.collection.value! },
        ),
  )!;
}

function toPage(key: PageKey, ids: number[]): Page {
  return { key, ids: ids.slice(0, key.first), hasNextPage: ids.length > key.first };
}

export type CatalogLoaders = ReturnType<typeof createCatalogLoaders>;
