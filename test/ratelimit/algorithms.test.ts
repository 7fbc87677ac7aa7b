/**
 * The pure limit algorithms under an injected clock (plain numbers): window
 * edges, sliding weighting, refill and burst. Nothing sleeps.
 */
import { describe, expect, it } from 'vitest';
import { consumeFixedWindow, type FixedWindowState } from '../../src/ratelimit/fixed-window.js';
import type { Decision, LimitSpec } from '../../src/ratelimit/rule.js';
import {
  consumeSlidingWindow,
  type SlidingWindowState,
} from '../../src/ratelimit/sliding-window.js';
import { consumeTokenBucket, type TokenBucketState } from '../../src/ratelimit/token-bucket.js';

type Step<S> = (state: S | undefined, now: number, rule: LimitSpec, cost?: number) => Decision<S>;

/** Runs one call at each time, threading the state; returns which were admitted. */
function admitted<S>(step: Step<S>, rule: LimitSpec, times: number[]): boolean[] {
  let state: S | undefined;
  return times.map((now) => {
    const d = step(state, now, rule);
    state = d.newState;
    return d.allowed;
  });
}

/** Calls at `now` until refused; returns the state and how many were admitted. */
function fill<S>(
  step: Step<S>,
  rule: LimitSpec,
  now: number,
  state?: S,
): { state: S | undefined; count: number } {
  let count = 0;
  for (;;) {
    const d = step(state, now, rule);
    state = d.newState;
    if (!d.allowed) return { state, count };
    count++;
  }
}

describe('fixed window', () => {
  const rule = { limit: 3, windowMs: 1000 };

  it('admits the limit per aligned window and resets exactly at the edge', () => {
    expect(admitted(consumeFixedWindow, rule, [0, 100, 200, 999, 1000, 1001, 1002, 1003])).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('lets twice the limit through across an edge, which is the price of its one counter', () => {
    expect(admitted(consumeFixedWindow, rule, [997, 998, 999, 1000, 1001, 1002])).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('counts down remaining and says how long until the next window', () => {
    const first = consumeFixedWindow(undefined, 250, { limit: 1, windowMs: 1000 });
    expect(first).toMatchObject({ allowed: true, remaining: 0, msBeforeNext: 0 });
    expect(consumeFixedWindow(first.newState, 400, { limit: 1, windowMs: 1000 })).toMatchObject({
      allowed: false,
      remaining: 0,
      msBeforeNext: 600,
    });
  });

  it('charges a cost, and refuses one that does not fit without counting it', () => {
    const a = consumeFixedWindow(undefined, 0, { limit: 5, windowMs: 1000 }, 4);
    expect(a).toMatchObject({ allowed: true, remaining: 1 });
    const b = consumeFixedWindow(a.newState, 1, { limit: 5, windowMs: 1000 }, 2);
    expect(b).toMatchObject({ allowed: false, remaining: 1 });
    expect(b.newState).toEqual(a.newState);
    expect(consumeFixedWindow(b.newState, 2, { limit: 5, windowMs: 1000 }, 1).allowed).toBe(true);
  });
});

describe('sliding window', () => {
  const rule = { limit: 10, windowMs: 1000 };

  it('weights the previous window by how much of it the sliding window still covers', () => {
    const full = fill<SlidingWindowState>(consumeSlidingWindow, rule, 900);
    expect(full.count).toBe(10);
    // At 1500 half of window 0 is still covered: 10 * 0.5 = 5 used, 5 left.
    expect(fill(consumeSlidingWindow, rule, 1500, full.state).count).toBe(5);
    // At 1800 only 20% is covered: 2 used, 8 left.
    expect(fill(consumeSlidingWindow, rule, 1800, full.state).count).toBe(8);
  });

  it('does not let a burst through across a window edge', () => {
    const full = fill<SlidingWindowState>(consumeSlidingWindow, rule, 999);
    expect(fill(consumeSlidingWindow, rule, 1000, full.state).count).toBe(0);
  });

  it('forgets a window two windows back', () => {
    const full = consumeSlidingWindow(undefined, 0, { limit: 1, windowMs: 1000 });
    expect(consumeSlidingWindow(full.newState, 500, { limit: 1, windowMs: 1000 }).allowed).toBe(
      false,
    );
    expect(consumeSlidingWindow(full.newState, 2000, { limit: 1, windowMs: 1000 }).allowed).toBe(
      true,
    );
  });

  it('says when the estimate has fallen enough, and is right to the millisecond', () => {
    // Refused calls at many points; each is admitted exactly msBeforeNext later and not 1 ms sooner.
    for (const [limit, fillAt, askAt] of [
      [10, 900, 1050],
      [3, 0, 10],
      [1, 999, 1000],
      [7, 400, 1100],
      [5, 1200, 1300],
    ] as const) {
      const r = { limit, windowMs: 1000 };
      const { state } = fill<SlidingWindowState>(consumeSlidingWindow, r, fillAt);
      const refused = consumeSlidingWindow(state, askAt, r);
      expect(refused.allowed).toBe(false);
      expect(consumeSlidingWindow(state, askAt + refused.msBeforeNext, r).allowed).toBe(true);
      if (refused.msBeforeNext > 1)
        expect(consumeSlidingWindow(state, askAt + refused.msBeforeNext - 1, r).allowed).toBe(
          false,
        );
    }
  });
});

describe('token bucket', () => {
  // 10 tokens per second (one per 100 ms), capacity 5.
  const rule = { limit: 10, windowMs: 1000, burst: 5 };

  it('admits a burst up to its capacity, then one call per refilled token', () => {
    expect(
      admitted<TokenBucketState>(consumeTokenBucket, rule, [0, 0, 0, 0, 0, 0, 99, 100, 150, 200]),
    ).toEqual([true, true, true, true, true, false, false, true, false, true]);
  });

  it('holds the long-run rate: 10 s of calls every 10 ms admit burst + 100', () => {
    const times = Array.from({ length: 1000 }, (_, i) => i * 10);
    expect(
      admitted<TokenBucketState>(consumeTokenBucket, rule, times).filter(Boolean),
    ).toHaveLength(5 + 99);
  });

  it('never holds more than its capacity, however long it idles', () => {
    const first = consumeTokenBucket(undefined, 0, rule);
    expect(consumeTokenBucket(first.newState, 1_000_000, rule).remaining).toBe(4);
  });

  it('uses limit as capacity when burst is not given', () => {
    expect(fill<TokenBucketState>(consumeTokenBucket, { limit: 3, windowMs: 1000 }, 0).count).toBe(
      3,
    );
  });

  it('says how long until enough tokens are back, and refusals do not delay the refill', () => {
    const r = { limit: 1, windowMs: 1000 };
    const empty = consumeTokenBucket(undefined, 0, r).newState;
    const refused = consumeTokenBucket(empty, 400, r);
    expect(refused).toMatchObject({ allowed: false, msBeforeNext: 600 });
    expect(refused.newState).toEqual(empty);
    expect(consumeTokenBucket(refused.newState, 999, r).allowed).toBe(false);
    expect(consumeTokenBucket(refused.newState, 1000, r).allowed).toBe(true);
  });

  it('refuses a cost larger than its capacity, pointing one window ahead', () => {
    expect(consumeTokenBucket(undefined, 0, rule, 6)).toMatchObject({
      allowed: false,
      msBeforeNext: 1000,
    });
  });
});

describe('every algorithm', () => {
  const steps: [string, Step<unknown>][] = [
    ['fixed window', consumeFixedWindow as Step<unknown>],
    ['sliding window', consumeSlidingWindow as Step<unknown>],
    ['token bucket', consumeTokenBucket as Step<unknown>],
  ];
  for (const [name, step] of steps) {
    it(`${name}: admits exactly the limit at one instant and reports remaining down to 0`, () => {
      let state: unknown;
      const remaining: number[] = [];
      for (let i = 0; i < 8; i++) {
        const d = step(state, 5_000, { limit: 5, windowMs: 60_000 });
        state = d.newState;
        remaining.push(d.allowed ? d.remaining : -1);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0, -1, -1, -1]);
    });
  }

  it('fixed window state stays small: one window start and one count', () => {
    const d = consumeFixedWindow(undefined, 12_345, { limit: 5, windowMs: 1000 });
    expect(d.newState).toEqual<FixedWindowState>({ windowStart: 12_000, count: 1 });
  });
});
