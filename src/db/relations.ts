/**
 * The relation map the write path needs: which collections a row change
 * bumps. Derived from the model registry (src/model/registry.ts), whose
 * declared foreign keys are exactly the parents a model's cached lists are
 * scoped by, and checked at start-up against the foreign-key constraints of
 * the migrated database, which also say which children a delete cascades to
 * (never a hand-kept list).
 *
 * Why the database and not the client for cascades: the `prisma-client`
 * generator's runtime data model omits `relationFromFields` and `onDelete`,
 * while the constraints are exactly what the schema declared.
 */
import type { CollectionId } from '../cache/index.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { declarationOf, foreignKeys, isRegistered, listedBy } from '../model/registry.js';

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
  /** The columns whose update can change a collection of the model (registry `listedBy`); undefined for unregistered models. */
  listedBy?: ReadonlySet<string>;
  /** The column the list of all rows is ordered by (registry `query.all.orderBy`), if there is such a list. */
  allOrderedBy?: string;
}

export type RelationMap = ReadonlyMap<string, ModelRelations>;

interface ForeignKeyRow {
  child: string;
  column: string;
  parent: string;
  on_delete: string;
}

/**
 * Builds the relation map of `models` (every Prisma model: changes of
 * unregistered ones still fence their rows) from the registry's foreign keys
 * and the database's cascades; one query at start-up. Throws when the
 * registry declares a foreign key the database does not have.
 */
export async function loadRelationMap(
  prisma: PrismaClient,
  models: readonly string[],
): Promise<RelationMap> {
  const rows = await prisma.$queryRaw<ForeignKeyRow[]>`
    SELECT c.conrelid::regclass::text AS child, a.attname::text AS column,
           c.confrelid::regclass::text AS parent, c.confdeltype::text AS on_delete
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`;
  const unquote = (name: string) => name.replace(/^"|"$/g, '');
  const constraints = rows.map((r) => ({
    child: unquote(r.child),
    column: r.column,
    parent: unquote(r.parent),
    onDelete: r.on_delete,
  }));
  return buildRelationMap(models, constraints);
}

/** A foreign-key constraint of the migrated database. */
export interface ForeignKeyConstraint {
  child: string;
  column: string;
  parent: string;
  /** pg_constraint.confdeltype: 'c' cascade, 'n' set null, 'r'/'a' restrict, 'd' set default. */
  onDelete: string;
}

/** The relation map from the registry's foreign keys and the database's constraints (pure, for tests). */
export function buildRelationMap(
  models: readonly string[],
  constraints: readonly ForeignKeyConstraint[],
): RelationMap {
  const map = new Map<string, ModelRelations>(
    models.map((m) => [
      m,
      {
        foreignKeys: [],
        cascades: [],
        listedBy: isRegistered(m) ? listedBy(m) : undefined,
        allOrderedBy: isRegistered(m) ? declarationOf(m).query?.all?.orderBy : undefined,
      },
    ]),
  );
  // A database with no foreign keys at all is not migrated yet (an API
  // started before `npm run migrate`): its queries fail on their own, so
  // only a partly or differently migrated database is refused here.
  const migrated = constraints.length > 0;
  for (const { model, field, fk } of foreignKeys()) {
    const found = constraints.find((c) => c.child === model && c.column === field);
    if (migrated && (!found || found.parent !== fk.parent)) {
      throw new Error(
        `src/model/registry.ts declares ${model}.${field} -> ${fk.parent}, but the database has ` +
          (found ? `${model}.${field} -> ${found.parent}` : 'no such foreign key') +
          ' (are the migrations applied?)',
      );
    }
    map.get(model)?.foreignKeys.push({ field, target: fk.parent });
  }
  for (const c of constraints) {
    const parent = map.get(c.parent);
    if (!map.has(c.child) || !parent) continue;
    // Cascaded deletes, and SET NULL (the children's lists under the deleted parent empty).
    if (c.onDelete === 'c' || c.onDelete === 'n')
      parent.cascades.push({ model: c.child, field: c.column });
  }
  return map;
}

/**
 * The collections a row change can affect. Creates and deletes change every
 * list of the model (`Model:*`) and the lists scoped by each of its foreign
 * keys. An update changes the lists scoped by its foreign keys, old and new
 * (membership if a key moved, order or aggregates such as ratings
 * otherwise), unless `changed` names the columns it changed and none of
 * them is one its collections depend on (`listedBy`): a product's price or
 * stock moves no list. An update also reorders the list of all rows when
 * that list is ordered by a column it changed (or may have: `changed`
 * unknown). A delete also empties the cascaded children's lists.
 */
export function affectedCollections(
  relations: RelationMap,
  model: string,
  op: 'create' | 'update' | 'delete',
  rows: ReadonlyArray<Record<string, unknown>>,
  changed?: readonly string[],
): CollectionId[] {
  const info = relations.get(model);
  if (!info) return [];
  const out: CollectionId[] = [];
  if (op !== 'update') out.push({ model, field: null, value: null });
  else {
    const order = info.allOrderedBy;
    if (order && order !== 'id' && (!changed || changed.includes(order)))
      out.push({ model, field: null, value: null });
    if (changed && info.listedBy && !changed.some((c) => info.listedBy!.has(c))) return out;
  }
  for (const row of rows) {
    for (const fk of info.foreignKeys) {
      const value = row[fk.field];
      if (typeof value === 'number') out.push({ model, field: fk.field, value });
    }
    if (op === 'delete' && typeof row.id === 'number') {
      for (const child of info.cascades) {
        out.push(
          { model: child.model, field: null, value: null },
          { model: child.model, field: child.field, value: row.id },
        );
      }
    }
  }
  return out;
}
