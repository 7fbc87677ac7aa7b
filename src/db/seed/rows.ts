/**
 * Row generators for the seed catalog. Pure: given the plan, the seed and the
 * epoch they always produce the same rows, with explicit ids 1..n, so the
 * seeder can batch them any way it likes without changing the result.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { SeedPlan } from './plan.js';
import { createRandom, type Random } from './prng.js';
import {
  ADJECTIVES,
  CATEGORY_THEMES,
  COLOURS,
  DESCRIPTION_DETAILS,
  DESCRIPTION_OPENERS,
  FIRST_NAMES,
  LAST_NAMES,
  REVIEW_PHRASES,
} from './words.js';
import { DEMO_ADMIN, DEMO_CUSTOMER } from './demo-logins.js';

const DAY_MS = 86_400_000;

/** What the generators share: the plan, the seed and the "now" all dates lead up to. */
export interface RowContext {
  plan: SeedPlan;
  seed: number;
  /** Milliseconds since the epoch; fixed by default so dates are deterministic too. */
  epoch: number;
}

/**
 * Per-product facts that later tables need (reviews come after their product,
 * order lines copy its price), kept in typed arrays: 100k products cost 1.2 MB.
 */
export interface ProductFacts {
  priceCents: Int32Array;
  createdAt: Float64Array;
}

export function newProductFacts(products: number): ProductFacts {
  return { priceCents: new Int32Array(products), createdAt: new Float64Array(products) };
}

/** A time between `daysAgoMin` and `daysAgoMax` days before the epoch, to the millisecond. */
function pastDate(rng: Random, epoch: number, daysAgoMin: number, daysAgoMax: number): number {
  return epoch - daysAgoMin * DAY_MS - Math.floor(rng.next() * (daysAgoMax - daysAgoMin) * DAY_MS);
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function categoryRows(ctx: RowContext): Prisma.CategoryCreateManyInput[] {
  const rng = createRandom(ctx.seed, 'categories');
  return CATEGORY_THEMES.slice(0, ctx.plan.categories).map((theme, i) => {
    const at = new Date(pastDate(rng, ctx.epoch, 700, 1000));
    return { id: i + 1, slug: slugify(theme.name), name: theme.name, createdAt: at, updatedAt: at };
  });
}

/**
 * The demo admin (id 1), the demo customer (id 2), then generated customers.
 * Generated users share the customer's hash: bcrypt is deliberately slow, and
 * hashing 500 passwords would take longer than seeding 100k products.
 */
export function userRows(
  ctx: RowContext,
  hashes: { admin: string; customer: string },
): Prisma.UserCreateManyInput[] {
  const rng = createRandom(ctx.seed, 'users');
  const rows: Prisma.UserCreateManyInput[] = [];
  for (let id = 1; id <= ctx.plan.users; id++) {
    const at = new Date(pastDate(rng, ctx.epoch, 1, 900));
    if (id === 1 || id === 2) {
      const demo = id === 1 ? DEMO_ADMIN : DEMO_CUSTOMER;
      const passwordHash = id === 1 ? hashes.admin : hashes.customer;
      rows.push({
        id,
        email: demo.email,
        name: demo.name,
        role: demo.role,
        passwordHash,
        createdAt: at,
        updatedAt: at,
      });
      continue;
    }
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    // The id keeps emails unique however the names collide.
    const email = `${first}.${last}.${id}@example.com`.toLowerCase();
    rows.push({
      id,
      email,
      name: `${first} ${last}`,
      role: 'CUSTOMER',
      passwordHash: hashes.customer,
      createdAt: at,
      updatedAt: at,
    });
  }
  return rows;
}

/** Log-uniform within the theme's range, ending in .99 or .49 like real price tags. */
function price(rng: Random, [min, max]: readonly [number, number]): number {
  const units = Math.floor(Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min))));
  return Math.max(1, units) * 100 - (rng.chance(0.7) ? 1 : 51);
}

/** The demo brands (ids 1..n), dated before every product. */
export const BRAND_NAMES = [
  'Northwind',
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark & Co',
  'Wayne Goods',
  'Hooli',
] as const;

export function brandRows(ctx: RowContext): Prisma.BrandCreateManyInput[] {
  const at = new Date(ctx.epoch - 800 * 86_400_000);
  return BRAND_NAMES.map((name, i) => ({
    id: i + 1,
    slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    name,
    createdAt: at,
    updatedAt: at,
  }));
}

/** Products 1..n in id order; fills `facts` as it goes. About 4 in 5 have a brand. */
export function* productRows(
  ctx: RowContext,
  facts: ProductFacts,
): Generator<Prisma.ProductCreateManyInput> {
  const rng = createRandom(ctx.seed, 'products');
  // A stream of its own, so brands leave every other column as it was.
  const brands = createRandom(ctx.seed, 'brands');
  for (let id = 1; id <= ctx.plan.products; id++) {
    const brandId = brands.chance(0.8) ? brands.int(1, BRAND_NAMES.length) : null;
    const categoryId = rng.int(1, ctx.plan.categories);
    const theme = CATEGORY_THEMES[categoryId - 1]!;
    const colour = theme.colours !== false && rng.chance(0.6) ? `${rng.pick(COLOURS)} ` : '';
    const name = `${rng.pick(ADJECTIVES)} ${colour}${rng.pick(theme.nouns)}`;
    const description = `${rng.pick(DESCRIPTION_OPENERS)} ${rng.pick(DESCRIPTION_DETAILS)}`;
    const priceCents = price(rng, theme.price);
    const stock = rng.chance(0.05) ? 0 : rng.int(1, 400);
    const created = pastDate(rng, ctx.epoch, 30, 700);
    facts.priceCents[id - 1] = priceCents;
    facts.createdAt[id - 1] = created;
    const at = new Date(created);
    const sku = `SKU-${String(id).padStart(6, '0')}`;
    yield {
      id,
      sku,
      name,
      description,
      priceCents,
      stock,
      categoryId,
      brandId,
      createdAt: at,
      updatedAt: at,
    };
  }
}

/** Mostly happy customers, as on real shops: P(1..5) = 5, 7, 15, 33, 40 %. */
function rating(rng: Random): number {
  const r = rng.next();
  if (r < 0.05) return 1;
  if (r < 0.12) return 2;
  if (r < 0.27) return 3;
  if (r < 0.6) return 4;
  return 5;
}

/** Reviews on random products by random customers, each dated after its product. */
export function* reviewRows(
  ctx: RowContext,
  facts: ProductFacts,
): Generator<Prisma.ReviewCreateManyInput> {
  const rng = createRandom(ctx.seed, 'reviews');
  for (let id = 1; id <= ctx.plan.reviews; id++) {
    const productId = rng.int(1, ctx.plan.products);
    const authorId = rng.int(2, ctx.plan.users);
    const stars = rating(rng);
    const phrases = REVIEW_PHRASES[stars <= 2 ? 'low' : stars === 3 ? 'mid' : 'high'];
    const body = rng.chance(0.4) ? `${rng.pick(phrases)} ${rng.pick(phrases)}` : rng.pick(phrases);
    const since = facts.createdAt[productId - 1]!;
    const at = new Date(since + Math.floor(rng.next() * (ctx.epoch - since)));
    yield { id, rating: stars, body, authorId, productId, createdAt: at, updatedAt: at };
  }
}

const ORDER_STATUSES = [
  'PENDING',
  'PAID',
  'PAID',
  'SHIPPED',
  'SHIPPED',
  'SHIPPED',
  'CANCELLED',
] as const;

/** A few orders of 1 to 4 distinct products; the demo customer owns the first three. */
export function orderRows(
  ctx: RowContext,
  facts: ProductFacts,
): { orders: Prisma.OrderCreateManyInput[]; items: Prisma.OrderItemCreateManyInput[] } {
  const rng = createRandom(ctx.seed, 'orders');
  const orders: Prisma.OrderCreateManyInput[] = [];
  const items: Prisma.OrderItemCreateManyInput[] = [];
  for (let id = 1; id <= ctx.plan.orders; id++) {
    const userId = id <= 3 ? 2 : rng.int(3, ctx.plan.users);
    const at = new Date(pastDate(rng, ctx.epoch, 0, 180));
    const productIds = new Set<number>();
    const lines = Math.min(rng.int(1, 4), ctx.plan.products);
    while (productIds.size < lines) productIds.add(rng.int(1, ctx.plan.products));
    let totalCents = 0;
    for (const productId of productIds) {
      const quantity = rng.int(1, 3);
      const unitPriceCents = facts.priceCents[productId - 1]!;
      totalCents += quantity * unitPriceCents;
      items.push({
        id: items.length + 1,
        orderId: id,
        productId,
        quantity,
        unitPriceCents,
        createdAt: at,
        updatedAt: at,
      });
    }
    orders.push({
      id,
      userId,
      status: rng.pick(ORDER_STATUSES),
      totalCents,
      createdAt: at,
      updatedAt: at,
    });
  }
  return { orders, items };
}
