/** The seed's pure parts: PRNG, plan, argument parsing, error wording. No database. */
import { describe, expect, it } from 'vitest';
import { createRandom, mulberry32 } from '../../src/db/seed/prng.js';
import {
  estimateSecondsLeft,
  explainDatabaseError,
  formatEta,
  parseSeedArgs,
  planSeed,
  redactUrl,
  SeedUsageError,
} from '../../src/db/seed/index.js';

describe('seeded PRNG', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const c = mulberry32(2);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives each labelled stream its own sequence', () => {
    expect(createRandom(42, 'users').next()).not.toBe(createRandom(42, 'products').next());
  });

  it('keeps int() within its inclusive bounds', () => {
    const rng = createRandom(3);
    const seen = new Set(Array.from({ length: 2000 }, () => rng.int(1, 4)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('planSeed', () => {
  it('makes 20 categories, 500 users and 5000 reviews for 1000 products', () => {
    expect(planSeed(1000)).toEqual({
      products: 1000,
      categories: 20,
      users: 500,
      reviews: 5000,
      orders: 50,
    });
  });
  it('shrinks categories and users for tiny catalogs', () => {
    expect(planSeed(1)).toMatchObject({ categories: 1, users: 10, reviews: 5 });
  });
  it('names the bad product count', () => {
    expect(() => planSeed(0)).toThrow(/got 0/);
    expect(() => planSeed(1.5)).toThrow(RangeError);
  });
});

describe('seed CLI arguments', () => {
  it('has defaults and reads numbers with underscores', () => {
    expect(parseSeedArgs([])).toEqual({ products: 1000, seed: 42, reset: false });
    expect(parseSeedArgs(['--products', '100_000', '--seed', '7', '--reset'])).toEqual({
      products: 100000,
      seed: 7,
      reset: true,
    });
    expect(parseSeedArgs(['--help'])).toBeNull();
  });
  it('names the bad argument and its value', () => {
    expect(() => parseSeedArgs(['--products', 'many'])).toThrow(
      /--products must be a whole number, got "many"/,
    );
    expect(() => parseSeedArgs(['--products', '0'])).toThrow(/--products must be from 1/);
    expect(() => parseSeedArgs(['--seed', '99999999999'])).toThrow(
      /--seed must be from 0 to 4294967295/,
    );
    expect(() => parseSeedArgs(['--frobnicate'])).toThrow(SeedUsageError);
    expect(() => parseSeedArgs(['positional'])).toThrow(SeedUsageError);
  });
});

describe('database error wording', () => {
  const database = {
    url: 'postgresql://app:secret@db.internal:5432/catalog',
    pgliteDir: '.data/pglite',
  };
  it('names DATABASE_URL without its password when PostgreSQL is unreachable', () => {
    const message = explainDatabaseError({ code: 'P1001' }, database);
    expect(message).toMatch(
      /Cannot reach the PostgreSQL at postgresql:\/\/app:\*\*\*@db.internal:5432\/catalog \(DATABASE_URL\)/,
    );
    expect(message).not.toContain('secret');
    expect(
      explainDatabaseError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), database),
    ).toMatch(/Cannot reach/);
  });
  it('explains missing databases and tables, and leaves other errors alone', () => {
    expect(explainDatabaseError({ code: '3D000' }, database)).toMatch(/does not exist/);
    expect(explainDatabaseError({ code: 'P2021' }, database)).toMatch(/npm run migrate/);
    expect(explainDatabaseError(new Error('boom'), database)).toBeUndefined();
  });
  it('redacts only the password', () => {
    expect(redactUrl('postgresql://u:p@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
  });
});

describe('seed progress ETA', () => {
  it('is unknown until a row is written, then the remaining rows at the average rate', () => {
    expect(estimateSecondsLeft(0, 1000, 5000)).toBeNull();
    expect(estimateSecondsLeft(100, 1000, 0)).toBeNull();
    expect(estimateSecondsLeft(250, 1000, 10_000)).toBe(30);
    expect(estimateSecondsLeft(1000, 1000, 10_000)).toBe(0);
  });

  it('never shows NF or 60 in a field', () => {
    expect(formatEta(null)).toBe('…');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('…');
    expect(formatEta(59.6)).toBe('1m00s');
    expect(formatEta(239.6)).toBe('4m00s');
    expect(formatEta(3599.7)).toBe('1h00m');
    expect(formatEta(42.2)).toBe('42s');
    expect(formatEta(3725)).toBe('1h02m');
  });
});
