/**
 * The seed CLI's command line, parsed and validated apart from the CLI so it
 * can be tested without running a seed.
 */
import { parseArgs } from 'node:util';
import { MAX_PRODUCTS } from './plan.js';
import { DEFAULT_PRODUCTS, DEFAULT_SEED } from './seed-catalog.js';

export const SEED_USAGE = `Usage: npm run seed -- [--products N] [--seed N] [--reset]

  --products N  products to create, 1 to ${MAX_PRODUCTS} (default ${DEFAULT_PRODUCTS});
                categories, users, reviews and orders scale with it
  --seed N      PRNG seed, 0 to 4294967295 (default ${DEFAULT_SEED}); same seed, same rows
  --reset       delete every catalog row first (refused otherwise when rows exist)
  --help        show this help

Seeds DATABASE_URL, or the embedded PGlite database in PGLITE_DIR when it is
unset (stop the API first: PGlite allows one process per data directory).`;

/** A bad command line; the message names the argument and the value it got. */
export class SeedUsageError extends Error {
  override readonly name = 'SeedUsageError';
}

export interface SeedArgs {
  products: number;
  seed: number;
  reset: boolean;
}

function parseInteger(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  // Underscores allowed so "100_000" reads as it does in code.
  if (!/^\d[\d_]*$/.test(raw))
    throw new SeedUsageError(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw.replaceAll('_', ''));
  if (value < min || value > max)
    throw new SeedUsageError(`--${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

/** Parses the CLI's arguments; null means --help. Throws SeedUsageError for anything else it cannot accept. */
export function parseSeedArgs(argv: readonly string[]): SeedArgs | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        products: { type: 'string' },
        seed: { type: 'string' },
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new SeedUsageError((error as Error).message);
  }
  if (values.help) return null;
  return {
    products: parseInteger('products', values.products, DEFAULT_PRODUCTS, 1, MAX_PRODUCTS),
    seed: parseInteger('seed', values.seed, DEFAULT_SEED, 0, 0xffffffff),
    reset: values.reset ?? false,
  };
}
