/**
 * The catalog's cached models, one declaration each: everything the code
 * needs to know about a model that the Prisma schema and the SDL do not say
 * by themselves. From these declarations follow
 *
 * - the entity loaders (one batched `findMany` per model, src/loaders),
 * - the relation and page loaders, for any declared foreign key,
 * - the GraphQL fields that follow a foreign key either way, and the root
 *   fields that read one row or all rows (src/graphql/resolvers/model-resolvers.ts),
 * - the collections a row change bumps (src/db/relations.ts),
 * - and, checked by tests, the change-feed triggers every model must have
 *   (`catalog_watch` in prisma/migrations).
 *
 * What is not declared here is read from its own source at start-up: the
 * cache policy from `@cacheable` on the SDL type, the fields that may be
 * cached from the SDL's `@private` (src/model/projection.ts), cascades from
 * the migrated database's foreign-key constraints.
 *
 * Adding a cached model is one entry below (see the README, "Adding a cached
 * model").
 */
import type { Brand, Category, Product, Review, User } from '../generated/prisma/client.js';

/**
 * A user as the shared cache holds it. The runtime projection comes from the
 * SDL (src/model/projection.ts); this type is its compile-time view, and a
 * test checks that the two agree.
 */
export type PublicUser = Pick<User, 'id' | 'name' | 'version' | 'createdAt' | 'updatedAt'>;

/** A foreign key of a model that scopes cached collections and GraphQL fields. */
export interface ForeignKeyDecl {
  /** The referenced model (a key of MODELS). */
  parent: string;
  /** The child's GraphQL field that resolves the parent row, e.g. `Product.brand`. */
  as?: string;
  /** Whether the key may be null (the field then resolves to null). */
  nullable?: boolean;
  /** The parent's GraphQL field that lists the children, and which view it serves. */
  list?: { field: string; view: ListView };
}

/**
 * The list views a model's rows can be read in, each a cached collection:
 * - `page`: id order, cursor pagination (`first`, `after`) and `totalCount`,
 *   for all rows or the rows of one parent;
 * - `newest`: the newest `first` rows of one parent (createdAt, then id, descending).
 */
export type ListView = 'page' | 'newest';

export interface ModelDecl<Row = unknown> {
  /** The Prisma client's delegate for the model, e.g. `product`. */
  delegate: string;
  /**
   * The SDL type: its `@cacheable` is the model's cache policy, and its
   * `@private` fields never enter the shared cache. Defaults to the model name.
   */
  sdlType?: string;
  /** Foreign keys by column, e.g. `{ brandId: { parent: 'Brand', ... } }`. */
  foreignKeys?: Record<string, ForeignKeyDecl>;
  /** Root query fields: one row by `id`, and every row (ordered by `orderBy`). */
  query?: { one?: string; all?: { field: string; orderBy: string } };
  /**
   * Columns a cached aggregate of the model's rows reads (e.g. Review.rating
   * for a product's rating stats). With the foreign keys and the columns the
   * list views are ordered by, they are the columns whose update bumps the
   * model's collections (see `listedBy`); an update of any other column
   * leaves every list and aggregate as it was.
   */
  aggregated?: readonly string[];
  /** Phantom: the row type the loaders return (never set at runtime). */
  readonly row?: Row;
}

const model = <Row>(decl: Omit<ModelDecl<Row>, 'row'>): ModelDecl<Row> => decl;

/** Every cached model, by Prisma model name. */
export const MODELS = {
  Category: model<Category>({
    delegate: 'category',
    query: { one: 'category', all: { field: 'categories', orderBy: 'slug' } },
  }),
  Brand: model<Brand>({
    delegate: 'brand',
    query: { one: 'brand', all: { field: 'brands', orderBy: 'name' } },
  }),
  Product: model<Product>({
    delegate: 'product',
    query: { one: 'product' },
    foreignKeys: {
      categoryId: { parent: 'Category', as: 'category', list: { field: 'products', view: 'page' } },
      brandId: {
        parent: 'Brand',
        as: 'brand',
        nullable: true,
        list: { field: 'products', view: 'page' },
      },
    },
  }),
  Review: model<Review>({
    delegate: 'review',
    foreignKeys: {
      productId: { parent: 'Product', as: 'product', list: { field: 'reviews', view: 'newest' } },
      authorId: { parent: 'User', as: 'author', list: { field: 'reviews', view: 'newest' } },
    },
    // A product's rating stats (src/loaders/relation-loaders.ts).
    aggregated: ['rating'],
  }),
  /** Cached without its `@private` fields and without the columns the SDL does not expose. */
  User: model<PublicUser>({
    delegate: 'user',
    query: { one: 'user' },
  }),
} satisfies Record<string, ModelDecl>;

export type ModelName = keyof typeof MODELS;

/** The row type a model's loaders return. */
export type RowOf<M extends ModelName> = NonNullable<(typeof MODELS)[M]['row']>;

/** The registry as plain data, for code that walks every model. */
export const MODEL_LIST: ReadonlyArray<readonly [ModelName, ModelDecl]> = Object.entries(
  MODELS,
) as never;

/** The declaration of `model`; throws for a model that is not registered. */
export function declarationOf(name: string): ModelDecl {
  const decl = (MODELS as Record<string, ModelDecl>)[name];
  if (!decl) throw new Error(`model ${name} is not declared in src/model/registry.ts`);
  return decl;
}

/** The SDL type that carries a model's cache policy. */
export function sdlTypeOf(name: string): string {
  return declarationOf(name).sdlType ?? name;
}

/** Whether `name` is a registered (cached) model. */
export function isRegistered(name: string): name is ModelName {
  return Object.hasOwn(MODELS, name);
}

/** Every (child model, foreign key, declaration) in the registry. */
export function foreignKeys(): Array<{ model: ModelName; field: string; fk: ForeignKeyDecl }> {
  return MODEL_LIST.flatMap(([m, decl]) =>
    Object.entries(decl.foreignKeys ?? {}).map(([field, fk]) => ({ model: m, field, fk })),
  );
}

/**
 * The columns of `name` that its cached collections depend on: its foreign
 * keys (membership of the lists scoped by them), the columns its list views
 * are ordered by (`query.all.orderBy`; `createdAt` for a `newest` view) and
 * its `aggregated` columns. An update that changes none of them changes no
 * collection (ids only ever change by create and delete).
 */
export function listedBy(name: string): ReadonlySet<string> {
  const decl = declarationOf(name);
  const fks = Object.entries(decl.foreignKeys ?? {});
  return new Set([
    ...fks.map(([field]) => field),
    ...(decl.query?.all ? [decl.query.all.orderBy] : []),
    ...(fks.some(([, fk]) => fk.list?.view === 'newest') ? ['createdAt'] : []),
    ...(decl.aggregated ?? []),
  ]);
}
