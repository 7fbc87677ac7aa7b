/**
 * The model registry and what follows from it, with no services: the SDL's
 * cached types and the registry agree, the cached shape comes from `@private`
 * in the SDL, the relation map from the registry (checked against the
 * database's constraints), and every model gets its derived resolvers.
 */
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../src/generated/prisma/client.js';
import { buildRelationMap, type ForeignKeyConstraint } from '../../src/db/relations.js';
import { modelResolvers } from '../../src/graphql/resolvers/model-resolvers.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { projectRow, readCachedShapes } from '../../src/model/projection.js';
import { MODEL_LIST, type PublicUser, sdlTypeOf } from '../../src/model/registry.js';

const built = buildSchema();

const CONSTRAINTS: ForeignKeyConstraint[] = [
  { child: 'Product', column: 'categoryId', parent: 'Category', onDelete: 'r' },
  { child: 'Product', column: 'brandId', parent: 'Brand', onDelete: 'n' },
  { child: 'Review', column: 'productId', parent: 'Product', onDelete: 'c' },
  { child: 'Review', column: 'authorId', parent: 'User', onDelete: 'c' },
  { child: 'Order', column: 'userId', parent: 'User', onDelete: 'r' },
  { child: 'OrderItem', column: 'orderId', parent: 'Order', onDelete: 'c' },
];
const MODELS = ['User', 'Category', 'Brand', 'Product', 'Review', 'Order', 'OrderItem'];

describe('the model registry', () => {
  it('declares exactly the SDL types that carry @cacheable', () => {
    expect(MODEL_LIST.map(([model]) => sdlTypeOf(model)).sort()).toEqual(
      [...built.policies.keys()].sort(),
    );
  });

  it("caches a user without what the SDL marks @private or does not expose, and other models' whole rows", () => {
    // Compile-time view and runtime projection agree (a new PublicUser key fails to compile here).
    const publicUser = {
      id: true,
      name: true,
      version: true,
      createdAt: true,
      updatedAt: true,
    } satisfies Record<keyof PublicUser, true>;
    const shapes = readCachedShapes(built.schema);
    expect(shapes.get('User')!.columns).toEqual(Object.keys(publicUser));
    expect(shapes.get('User')!.select).toEqual(publicUser);
    for (const model of ['Product', 'Category', 'Brand', 'Review'])
      expect(shapes.get(model)).toEqual({ columns: null, select: undefined });
    const row = {
      id: 1,
      email: 'a@b.c',
      name: 'A',
      role: 'ADMIN',
      passwordHash: 'x',
      version: 3,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    };
    expect(projectRow(shapes, 'User', row)).toEqual({
      id: 1,
      name: 'A',
      version: 3,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    });
  });

  it('makes a relation map from the declared foreign keys, with cascades and SET NULL from the database', () => {
    const map = buildRelationMap(MODELS, CONSTRAINTS);
    expect(map.get('Product')!.foreignKeys).toEqual([
      { field: 'categoryId', target: 'Category' },
      { field: 'brandId', target: 'Brand' },
    ]);
    expect(map.get('Brand')!.cascades).toEqual([{ model: 'Product', field: 'brandId' }]);
    expect(map.get('Product')!.cascades).toEqual([{ model: 'Review', field: 'productId' }]);
    // Undeclared foreign keys (of models whose lists are not cached) bump nothing.
    expect(map.get('OrderItem')!.foreignKeys).toEqual([]);
  });

  it('refuses to start when the registry declares a foreign key the database lacks', () => {
    const missing = CONSTRAINTS.filter((c) => c.column !== 'brandId');
    expect(() => buildRelationMap(MODELS, missing)).toThrow(
      'src/model/registry.ts declares Product.brandId -> Brand, but the database has no such foreign key',
    );
    // Not migrated at all: the start is not refused (its queries fail on their own).
    expect(buildRelationMap(MODELS, []).get('Product')!.foreignKeys).toHaveLength(2);
  });

  it('names Prisma models and their delegates as the generated client does', () => {
    for (const [model, decl] of MODEL_LIST) {
      expect(Object.values(Prisma.ModelName)).toContain(model);
      expect(decl.delegate).toBe(model.charAt(0).toLowerCase() + model.slice(1));
    }
  });

  it('derives each foreign key’s fields both ways and the root fields', () => {
    const map = modelResolvers();
    expect(Object.keys(map.Query!).sort()).toEqual([
      'brand',
      'brands',
      'categories',
      'category',
      'product',
      'user',
    ]);
    expect(Object.keys(map.Product!).sort()).toEqual(['brand', 'category', 'id', 'reviews']);
    expect(Object.keys(map.Brand!).sort()).toEqual(['id', 'products']);
    expect(Object.keys(map.User!).sort()).toEqual(['id', 'reviews']);
    expect(Object.keys(map.Review!).sort()).toEqual(['author', 'id', 'product']);
  });
});
