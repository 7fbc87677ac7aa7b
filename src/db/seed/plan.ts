/**
 * How many rows of each kind a seed of N products makes. Pure, so the CLI,
 * the progress bar and the tests agree on the numbers before anything runs.
 */
import { CATEGORY_THEMES } from './words.js';

export interface SeedPlan {
  products: number;
  categories: number;
  /** Includes the two demo users (ids 1 and 2). */
  users: number;
  reviews: number;
  orders: number;
}

/** SKUs are `SKU-` plus six digits; beyond this the CLI would be seeding for hours anyway. */
export const MAX_PRODUCTS = 1_000_000;
export const REVIEWS_PER_PRODUCT = 5;
const MAX_USERS = 500;
const MAX_ORDERS = 1000;

/**
 * The row counts for `products` products: about 10 products per category up
 * to 20 categories, 500 users (fewer for tiny catalogs), 5 reviews per product
 * and one order per 20 products (at most 1000). Throws a RangeError naming the
 * bad value.
 */
export function planSeed(products: number): SeedPlan {
  if (!Number.isInteger(products) || products < 1 || products > MAX_PRODUCTS) {
    throw new RangeError(`products must be an integer from 1 to ${MAX_PRODUCTS}, got ${products}`);
  }
  return {
    products,
    categories: Math.min(CATEGORY_THEMES.length, Math.ceil(products / 10)),
    users: Math.min(MAX_USERS, Math.max(10, Math.ceil(products / 2))),
    reviews: products * REVIEWS_PER_PRODUCT,
    orders: Math.min(MAX_ORDERS, Math.max(2, Math.ceil(products / 20))),
  };
}
