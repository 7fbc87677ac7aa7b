/**
 * The relation map the write path needs, derived at start-up from the
 * foreign-key constraints that the Prisma schema's relations became in the
 * migrated database (never a hand-kept list): each model's foreign keys, and
 * which children a delete cascades to.
 *
 * Why the database and not the client: the `prisma-client` generator's
 * runtime data model omits `relationFromFields` and `onDelete`, while the
 * constraints are exactly what the schema declared, including cascades.
 */
import type { CollectionId } from '../cache/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface ForeignKey {
  /** The scalar column, e.g. 'categoryId'. */
  field: string;
  /** The referenced model, e.g. 'Category'. */
  target: string;
}

export interface ModelRelations {
  foreignKeys: ForeignKey[];
  /** Children deleted with a row of this model: (child model, its FK to us). */
  cascades: Array<{ model: string; field: string }>;
}

export type RelationMap = ReadonlyMap<string, ModelRelations>;

interface ForeignKeyRow {
  child: string;
  column: string;
  parent: string;
  on_delete: string;
}

/** Reads the foreign keys of the public schema; one query at start-up. */
export async function loadRelationMap(prisma: PrismaClient, models: readonly string[]): Promise<RelationMap> {
  const rows = await prisma.$queryRaw<ForeignKeyRow[]>`
    SELECT c.conrelid::regclass::text AS child, a.attname::text AS column,
           c.confrelid::regclass::text AS parent, c.confdeltype::text AS on_delete
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`;
  const map = new Map<string, ModelRelations>(models.map((m) => [m, { foreignKeys: [], cascades: [] }]));
  const unquote = (name: string) => name.replace(/^"|"$/g, '');
  for (const row of rows) {
    const child = map.get(unquote(row.child));
    const parent = map.get(unquote(row.parent));
    if (!child || !parent) continue;
    child.foreignKeys.push({ field: row.column, target: unquote(row.parent) });
    if (row.on_delete === 'c') parent.cascades.push({ model: unquote(row.child), field: row.column });
  }
  return map;
}

/**
 * The collections a row change can affect. Creates and deletes change every
 * list of the model (`Model:*`) and the lists scoped by each of its foreign
 * keys; an update changes the lists scoped by its foreign keys, old and new
 * (membership if a key moved, aggregates such as ratings otherwise). A delete
 * also empties the cascaded children's lists.
 */
export function affectedCollections(
  relations: RelationMap,
  model: string,
  op: 'create' | 'update' | 'delete',
  rows: ReadonlyArray<Record<string, unknown>>,
): CollectionId[] {
  const info = relations.get(model);
  if (!info) return [];
  const out: CollectionId[] = [];
  if (op !== 'update') out.push({ model, field: null, value: null });
  for (const row of rows) {
    for (const fk of info.foreignKeys) {
      const value = row[fk.field];
      if (typeof value === 'number') out.push({ model, field: fk.field, value });
    }
    if (op === 'delete' && typeof row.id === 'number') {
      for (const child of info.cascades) {
        out.push({ model: child.model, field: null, value: null }, { model: child.model, field: child.field, value: row.id });
      }
    }
  }
  return out;
}
