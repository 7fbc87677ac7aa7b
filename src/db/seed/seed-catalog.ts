/**
 * Writes the deterministic seed catalog as a stream: rows are generated one
 * at a time and written in multi-row INSERTs (insert-rows.ts), a few chunks
 * in flight, so memory is bounded by the chunk size, not the catalog size.
 */
import bcrypt from 'bcryptjs';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { DEMO_ADMIN, DEMO_CUSTOMER } from './demo-logins.js';
import { planSeed, type SeedPlan } from './plan.js';
import { insertRows, rowsPerStatement, type TableShape } from './insert-rows.js';
import {
  BRAND_NAMES,
  brandRows,
  categoryRows,
  newProductFacts,
  orderRows,
  productRows,
  reviewRows,
  userRows,
  type RowContext,
} from './rows.js';

export type SeedTable =
  'categories' | 'brands' | 'users' | 'products' | 'reviews' | 'orders' | 'orderItems';

/** Rows written so far across all tables, and the total the seed will write. */
export interface SeedProgress {
  table: SeedTable;
  done: number;
  total: number;
}

export interface SeedOptions {
  /** Default 1000. Other tables scale with it (see planSeed). */
  products?: number;
  /** PRNG seed; the same seed and product count always give the same rows. Default 42. */
  seed?: number;
  /** The "now" all generated dates lie before. Fixed by default so dates are deterministic too. */
  epoch?: Date;
  /** Rows per INSERT. Default 1000 (at most what fits 30,000 bind parameters). */
  chunkSize?: number;
  /** INSERTs in flight at once (each on its own pool connection). Default 4. */
  concurrency?: number;
  /** bcrypt cost of the two demo hashes. Default 10, what the API's login expects to be realistic. */
  bcryptCost?: number;
  onProgress?: (progress: SeedProgress) => void;
}

export type SeedCounts = Record<SeedTable, number>;

export const DEFAULT_SEED = 42;
export const DEFAULT_PRODUCTS = 1000;
const DEFAULT_EPOCH = new Date(Date.UTC(2026, 0, 1));

/** Child tables first, so a plain DELETE order would also be FK-safe. */
const TABLES = ['OrderItem', 'Order', 'Review', 'Product', 'Brand', 'Category', 'User'] as const;

/** Thrown when seeding a database that already has catalog rows (explicit ids would collide). */
export class DatabaseNotEmptyError extends Error {
  readonly code = 'DATABASE_NOT_EMPTY';
  constructor() {
    super('The database already has catalog rows; reset it before seeding (seed CLI: --reset)');
    this.name = 'DatabaseNotEmptyError';
  }
}

/** True when none of the catalog tables has a row. */
export async function isDatabaseEmpty(prisma: PrismaClient): Promise<boolean> {
  const found = await Promise.all([
    prisma.user.findFirst({ select: { id: true } }),
    prisma.category.findFirst({ select: { id: true } }),
    prisma.brand.findFirst({ select: { id: true } }),
    prisma.product.findFirst({ select: { id: true } }),
    prisma.review.findFirst({ select: { id: true } }),
    prisma.order.findFirst({ select: { id: true } }),
    prisma.orderItem.findFirst({ select: { id: true } }),
  ]);
  return found.every((row) => row === null);
}

/**
 * Deletes every catalog row and restarts the id sequences, in one statement
 * so foreign keys never see a half-emptied database. TRUNCATE fires no row
 * triggers: a running API is not told, so restart it (or flush its cache).
 */
export async function resetDatabase(prisma: PrismaClient): Promise<void> {
  const tables = TABLES.map((t) => `"${t}"`).join(', ');
  await prisma.$executeRawUnsafe(`TRUNCATE ${tables} RESTART IDENTITY CASCADE`);
}

/**
 * Seeds an empty database with the catalog for `options.products` products
 * and returns how many rows it wrote per table. Throws DatabaseNotEmptyError
 * when any catalog row exists, RangeError for a bad option. Not transactional:
 * a failure part-way leaves a partial catalog, which resetDatabase clears.
 */
export async function seedCatalog(
  prisma: PrismaClient,
  options: SeedOptions = {},
): Promise<SeedCounts> {
  const plan = planSeed(options.products ?? DEFAULT_PRODUCTS);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to ${0xffffffff}, got ${seed}`);
  }
  const chunkSize = options.chunkSize ?? 1000;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!(await isDatabaseEmpty(prisma))) throw new DatabaseNotEmptyError();

  const ctx: RowContext = { plan, seed, epoch: (options.epoch ?? DEFAULT_EPOCH).getTime() };
  const cost = options.bcryptCost ?? 10;
  // Two hashes for the whole seed: see userRows for why generated users share one.
  const [admin, customer] = await Promise.all([
    bcrypt.hash(DEMO_ADMIN.password, cost),
    bcrypt.hash(DEMO_CUSTOMER.password, cost),
  ]);

  const facts = newProductFacts(plan.products);
  const counts: SeedCounts = {
    categories: 0,
    brands: 0,
    users: 0,
    products: 0,
    reviews: 0,
    orders: 0,
    orderItems: 0,
  };
  let total = totalRows(plan);
  let done = 0;
  // Several chunks in flight: while PostgreSQL inserts one (and runs the
  // change-feed trigger per row), the client builds the next. A table is
  // finished before the next starts, because the next one's foreign keys
  // point into it.
  const write = async <T>(table: SeedTable, rows: Iterable<T>, shape: TableShape<T>) => {
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    for (const chunk of chunks(
      rows,
      Math.min(chunkSize, rowsPerStatement(shape as TableShape<never>)),
    )) {
      const job: Promise<void> = insertRows(prisma, shape, chunk)
        .then(
          () => {
            counts[table] += chunk.length;
            done += chunk.length;
            options.onProgress?.({ table, done, total });
          },
          // Kept, not thrown here: the other chunks in flight must settle first.
          (error: unknown) => void (failure ??= { error }),
        )
        .finally(() => inFlight.delete(job));
      inFlight.add(job);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) break;
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  };

  const dated = ['createdAt', 'updatedAt'] as const;
  await write('categories', categoryRows(ctx), {
    table: 'Category',
    columns: ['id', 'slug', 'name', ...dated],
  });
  await write('brands', brandRows(ctx), {
    table: 'Brand',
    columns: ['id', 'slug', 'name', ...dated],
  });
  await write('users', userRows(ctx, { admin, customer }), {
    table: 'User',
    columns: ['id', 'email', 'name', 'role', 'passwordHash', ...dated],
    casts: { role: 'Role' },
  });
  await write('products', productRows(ctx, facts), {
    table: 'Product',
    columns: [
      'id',
      'sku',
      'name',
      'description',
      'priceCents',
      'stock',
      'categoryId',
      'brandId',
      ...dated,
    ],
  });
  await write('reviews', reviewRows(ctx, facts), {
    table: 'Review',
    columns: ['id', 'rating', 'body', 'authorId', 'productId', ...dated],
  });
  // At most 1,000 orders (planSeed): small enough to hold, and their lines' count is known only once generated.
  const { orders, items } = orderRows(ctx, facts);
  total = done + orders.length + items.length;
  await write('orders', orders, {
    table: 'Order',
    columns: ['id', 'userId', 'status', 'totalCents', ...dated],
    casts: { status: 'OrderStatus' },
  });
  await write('orderItems', items, {
    table: 'OrderItem',
    columns: ['id', 'orderId', 'productId', 'quantity', 'unitPriceCents', ...dated],
  });
  await restartSequences(prisma);
  return counts;
}

/** Order lines vary per order: estimated at 2.5 per order until the orders are generated. */
function totalRows(plan: SeedPlan): number {
  return (
    plan.categories +
    BRAND_NAMES.length +
    plan.users +
    plan.products +
    plan.reviews +
    plan.orders +
    Math.round(plan.orders * 2.5)
  );
}

function* chunks<T>(rows: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * The seed writes explicit ids (so rows are identical on every run), which
 * leaves the id sequences at 1; move each past its table's largest id so the
 * API's next insert does not collide.
 */
async function restartSequences(prisma: PrismaClient): Promise<void> {
  for (const table of TABLES) {
    await prisma.$executeRawUnsafe(
      `SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT COALESCE(MAX("id"), 0) + 1 FROM "${table}"), false)`,
    );
  }
}
