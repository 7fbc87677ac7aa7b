/**
 * The resolvers every registered model gets from its declaration
 * (src/model/registry.ts), so a new cached model needs no resolver code:
 *
 * - `<Type>.id`, the GraphQL ID of the row;
 * - for each foreign key: the child's field that resolves the parent
 *   (`Product.brand`) and the parent's field that lists the children
 *   (`Brand.products`, a page; `Product.reviews`, the newest first);
 * - root fields reading one row by id (`Query.brand`) or every row (`Query.brands`).
 *
 * Hand-written resolvers (src/graphql/resolvers/index.ts) are merged over
 * these. A generated field the SDL does not declare stops the schema build
 * (graphql-tools refuses resolvers for unknown fields).
 */
import { NotFoundError } from '../../errors/app-error.js';
import { andThen, type MaybePromise } from '../../loaders/index.js';
import { decodeCursor } from '../../loaders/pages.js';
import { foreignKeys, MODEL_LIST, type ModelName, sdlTypeOf } from '../../model/registry.js';
import { parseFirst, parseId } from '../args.js';
import type { GraphQLContext } from '../context.js';

type Row = Record<string, unknown> & { id: number };
type Resolver = (parent: Row, args: Record<string, unknown>, ctx: GraphQLContext) => unknown;
export type ResolverMap = Record<string, Record<string, Resolver>>;

/**
 * A required relation: a dangling reference is a NOT_FOUND, never a null in
 * a non-null field. Synchronous when the value came from L1.
 */
export function required<T>(
  what: string,
  id: number,
  value: MaybePromise<T | null>,
): MaybePromise<T> {
  return andThen(value, (row) => {
    if (!row) throw new NotFoundError(what, String(id));
    return row;
  });
}

const afterId = (after: unknown) => (after == null ? 0 : decodeCursor(after as string));

export function modelResolvers(): ResolverMap {
  const map: ResolverMap = { Query: {} };
  const of = (type: string) => (map[type] ??= {});

  for (const [model, decl] of MODEL_LIST) {
    of(sdlTypeOf(model)).id = (row) => String(row.id);
    const one = decl.query?.one;
    if (one) map.Query![one] = (_, { id }, ctx) => ctx.data.entity(model, parseId(id as string));
    const all = decl.query?.all;
    if (all)
      map.Query![all.field] = (_, __, ctx) =>
        andThen(ctx.data.allIds(model), (ids) => ctx.data.entities(model, ids));
  }

  for (const { model, field, fk } of foreignKeys()) {
    const parent = fk.parent as ModelName;
    if (fk.as) {
      of(sdlTypeOf(model))[fk.as] = (row, _, ctx) => {
        const id = row[field] as number | null;
        if (id === null && fk.nullable) return null;
        const value = ctx.data.entity(parent, id as number);
        return fk.nullable ? value : required(parent, id as number, value);
      };
    }
    if (fk.list?.view === 'page') {
      of(sdlTypeOf(parent))[fk.list.field] = (row, { first, after }, ctx) =>
        ctx.data.page({
          model,
          scope: { field, value: row.id },
          first: parseFirst(first as number | null | undefined),
          afterId: afterId(after),
        });
    } else if (fk.list?.view === 'newest') {
      of(sdlTypeOf(parent))[fk.list.field] = (row, { first }, ctx) =>
        andThen(
          ctx.data.newest(model, field, {
            parentId: row.id,
            first: parseFirst(first as number | null | undefined),
          }),
          (ids) => ctx.data.entities(model, ids),
        );
    }
  }
  return map;
}
