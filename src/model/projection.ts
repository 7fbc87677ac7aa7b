/**
 * What of each registered model's row may enter the shared cache (docs/design.md
 * promise 7), read from the SDL once at start-up instead of kept by hand:
 * the columns the model's SDL type exposes without `@private`, plus the
 * bookkeeping columns every cached row carries (id, version, createdAt,
 * updatedAt and its declared foreign keys). A column the SDL does not expose
 * (a password hash, a role) or marks `@private` (an email) never leaves the
 * database through the cache. The read path selects exactly these columns
 * and the write path projects written rows to them, so both tiers hold the
 * same shape.
 */
import { type GraphQLField, type GraphQLSchema, isObjectType } from 'graphql';
import { Prisma } from '../generated/prisma/client.js';
import { MODEL_LIST, sdlTypeOf } from './registry.js';

export interface CachedShape {
  /** The columns cached, or null when that is the whole row (then no `select` is needed). */
  columns: readonly string[] | null;
  /** The Prisma `select` reading exactly `columns` (undefined for the whole row). */
  select: Record<string, true> | undefined;
}

/** Cached shape per registered model. */
export type CachedShapes = ReadonlyMap<string, CachedShape>;

const BOOKKEEPING = ['id', 'version', 'createdAt', 'updatedAt'];

/** Reads every registered model's cached shape from the schema; throws when a model has no SDL type or no Prisma model. */
export function readCachedShapes(schema: GraphQLSchema): CachedShapes {
  const shapes = new Map<string, CachedShape>();
  for (const [model, decl] of MODEL_LIST) {
    const typeName = sdlTypeOf(model);
    const type = schema.getType(typeName);
    if (!isObjectType(type))
      throw new Error(
        `src/model/registry.ts declares ${model}, but the SDL has no object type ${typeName}`,
      );
    const columns = scalarColumns(model);
    const fields = type.getFields();
    const always = new Set([...BOOKKEEPING, ...Object.keys(decl.foreignKeys ?? {})]);
    const cached = columns.filter((c) => {
      const field = fields[c];
      if (field && isPrivate(field)) return c === 'id' || c === 'version';
      return always.has(c) || field !== undefined;
    });
    const whole = cached.length === columns.length;
    shapes.set(model, {
      columns: whole ? null : cached,
      select: whole ? undefined : Object.fromEntries(cached.map((c) => [c, true] as const)),
    });
  }
  return shapes;
}

/** Projects a row to what may be cached for `model` (rows of unregistered models pass unchanged). */
export function projectRow(
  shapes: CachedShapes,
  model: string,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const columns = shapes.get(model)?.columns;
  if (!columns) return row;
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}

function isPrivate(field: GraphQLField<unknown, unknown>): boolean {
  return field.astNode?.directives?.some((d) => d.name.value === 'private') ?? false;
}

/** The model's scalar columns, from the generated client (`Prisma.<Model>ScalarFieldEnum`). */
function scalarColumns(model: string): string[] {
  const fields = (Prisma as unknown as Record<string, Record<string, string> | undefined>)[
    `${model}ScalarFieldEnum`
  ];
  if (!fields)
    throw new Error(
      `src/model/registry.ts declares ${model}, but the Prisma schema has no such model`,
    );
  return Object.values(fields);
}
