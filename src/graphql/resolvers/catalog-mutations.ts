/**
 * Catalog writes. Every write goes through `ctx.db`, the client with the
 * caching extension; no resolver touches the cache.
 */
import { BadInputError, NotFoundError } from '../../errors/app-error.js';
import type { MutationResolvers, UpdateProductInput } from '../generated/resolvers-types.js';
import { parseId, parseIntRange, parseText } from '../args.js';
import { requireAdmin, requireViewer, write } from './guards.js';

const MAX_INT = 2_147_483_647;
const SKU = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function checkPattern(value: string, argument: string, pattern: RegExp): string {
  if (!pattern.test(value) || value.length > 64)
    throw new BadInputError(`${argument} has an invalid format`, { argument });
  return value;
}

/** Validates the product fields present in a create or update input. */
function productFields(input: UpdateProductInput) {
  return {
    ...(input.sku != null && { sku: checkPattern(input.sku, 'input.sku', SKU) }),
    ...(input.name != null && { name: parseText(input.name, 'input.name', 1, 200) }),
    ...(input.description != null && {
      description: parseText(input.description, 'input.description', 0, 10_000),
    }),
    ...(input.priceCents != null && {
      priceCents: parseIntRange(input.priceCents, 'input.priceCents', 0, MAX_INT),
    }),
    ...(input.stock != null && { stock: parseIntRange(input.stock, 'input.stock', 0, MAX_INT) }),
    ...(input.categoryId != null && { categoryId: parseId(input.categoryId, 'input.categoryId') }),
  };
}

export const catalogMutations: Pick<
  MutationResolvers,
  | 'createProduct'
  | 'updateProduct'
  | 'deleteProduct'
  | 'createCategory'
  | 'updateCategory'
  | 'addReview'
> = {
  createProduct: async (_, { input }, ctx) => {
    requireAdmin(ctx);
    // Every field is present: the input type makes them non-null.
    const data = productFields(input) as Required<ReturnType<typeof productFields>>;
    return write('Product', null, () => ctx.db.product.create({ data }));
  },
  updateProduct: async (_, { id, input }, ctx) => {
    requireAdmin(ctx);
    const productId = parseId(id);
    const data = productFields(input);
    if (Object.keys(data).length === 0)
      throw new BadInputError('input must change at least one field', { argument: 'input' });
    return write('Product', id, () => ctx.db.product.update({ where: { id: productId }, data }));
  },
  deleteProduct: async (_, { id }, ctx) => {
    requireAdmin(ctx);
    const productId = parseId(id);
    const ordered = await ctx.db.orderItem.count({ where: { productId } });
    if (ordered > 0)
      throw new BadInputError(
        'A product that has been ordered cannot be deleted; set its stock to 0 instead',
      );
    await write('Product', id, () => ctx.db.product.delete({ where: { id: productId } }));
    return id;
  },
  createCategory: async (_, { input }, ctx) => {
    requireAdmin(ctx);
    const data = {
      slug: checkPattern(input.slug, 'input.slug', SLUG),
      name: parseText(input.name, 'input.name', 1, 200),
    };
    return write('Category', null, () => ctx.db.category.create({ data }));
  },
  updateCategory: async (_, { id, input }, ctx) => {
    requireAdmin(ctx);
    const categoryId = parseId(id);
    const data = {
      ...(input.slug != null && { slug: checkPattern(input.slug, 'input.slug', SLUG) }),
      ...(input.name != null && { name: parseText(input.name, 'input.name', 1, 200) }),
    };
    if (Object.keys(data).length === 0)
      throw new BadInputError('input must change at least one field', { argument: 'input' });
    return write('Category', id, () => ctx.db.category.update({ where: { id: categoryId }, data }));
  },
  addReview: async (_, { input }, ctx) => {
    const viewer = requireViewer(ctx);
    const productId = parseId(input.productId, 'input.productId');
    const rating = parseIntRange(input.rating, 'input.rating', 1, 5);
    const body = parseText(input.body, 'input.body', 1, 5000);
    if (!(await ctx.loaders.entity('Product').load(productId)))
      throw new NotFoundError('Product', input.productId);
    return write('Review', null, () =>
      ctx.db.review.create({ data: { productId, authorId: viewer.id, rating, body } }),
    );
  },
};
