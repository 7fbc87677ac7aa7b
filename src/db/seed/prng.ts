/**
 * A tiny seeded PRNG so the seed catalog is the same on every machine and run:
 * `Math.random()` cannot be seeded, and determinism is what lets tests, docs
 * and benchmarks talk about "product 1" and get the same row everywhere.
 */

/** A source of uniform numbers in [0, 1) and the few helpers the seed needs. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/**
 * mulberry32: a 32-bit state generator, fast and good enough for fake data
 * (not for anything security-related).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for one named stream, so each table draws from its own sequence:
 * changing how many products are generated then leaves the users unchanged.
 * FNV-1a over the label, mixed with the base seed.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A `Random` over mulberry32, seeded by `seed` and the stream's `label`. */
export function createRandom(seed: number, label = ''): Random {
  const next = mulberry32(deriveSeed(seed, label));
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick() needs a non-empty list');
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p: number) => next() < p,
  };
}
