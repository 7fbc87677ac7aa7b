/**
 * The limit algorithms with an injected clock: window edges, weighting,
 * refill and burst. No sleeping.
 */
import { describe, expect, it } from 'vitest';
import { fixedWindow, slidingWindow, tokenBucket } from '../../src/ratelimit/algorithms.js';

function run<S>(step: (s: S | undefined, now: number) => { allowed: boolean; state: S }, times: number[]): boolean[] {
  let state: S | undefined;
  return times.map((now) => {
    const d = step(state, now);
    state = d.state;
    return d.allowed;
  });
}

describe('fixed window', () => {
  it('admits the limit per aligned window and resets exactly at the edge', () => {
    const step = (s: Parameters<typeof fixedWindow>[0], now: number) => fixedWindow(s, now, 3, 1000);
    expect(run(step, [0, 100, 200, 999, 1000, 1001, 1002, 1003])).toEqual([true, true, true, false, true, true, true, false]);
  });
  it('says how long until the next window', () => {
    const first = fixedWindow(undefined, 250, 1, 1000);
    expect(fixedWindow(first.state, 400, 1, 1000)).toMatchObject({ allowed: false, msBeforeNext: 600 });
  });
});

describe('sliding window', () => {
  it('weights the previous window by its remaining overlap', () => {
    // 10 calls late in window 0, then at 1.5 windows the estimate is 10 * 0.5 = 5.
    let state: Parameters<typeof slidingWindow>[0];
    for (let i = 0; i < 10; i++) state = slidingWindow(state, 900, 10, 1000).state;
    const at1500 = (n: number) => {
      let s = state;
      let admitted = 0;
      for (let i = 0; i < n; i++) {
        const d = slidingWindow(s, 1500, 10, 1000);
        s = d.state;
        if (d.allowed) admitted++;
      }
      return admitted;
    };
    expect(at1500(10)).toBe(5);
  });
  it('forgets a window two windows back', () => {
    const full = slidingWindow(undefined, 0, 1, 1000);
    expect(slidingWindow(full.state, 500, 1, 1000).allowed).toBe(false);
    expect(slidingWindow(full.state, 2000, 1, 1000).allowed).toBe(true);
  });
  it('predicts when the estimate drops enough', () => {
    const s = slidingWindow(undefined, 999, 1, 1000).state;
    const refused = slidingWindow(s, 1000, 1, 1000);
    expect(refused.allowed).toBe(false);
    expect(slidingWindow(refused.state, 1000 + refused.msBeforeNext, 1, 1000).allowed).toBe(true);
  });
});

describe('token bucket', () => {
  it('allows a burst up to capacity, then refills at the rate', () => {
    const step = (s: Parameters<typeof tokenBucket>[0], now: number) => tokenBucket(s, now, 10, 1000, 5);
    // 5 at once (burst), the 6th refused; one token per 100 ms after that.
    expect(run(step, [0, 0, 0, 0, 0, 0, 99, 100, 150, 200])).toEqual([true, true, true, true, true, false, false, true, false, true]);
  });
  it('never holds more than its capacity', () => {
    const idle = tokenBucket(undefined, 0, 10, 1000, 5);
    const later = tokenBucket(idle.state, 1_000_000, 10, 1000, 5);
    expect(later.remaining).toBe(4);
  });
  it('says how long until a token is back', () => {
    let s = tokenBucket(undefined, 0, 1, 1000, 1).state;
    const refused = tokenBucket(s, 0, 1, 1000, 1);
    expect(refused.msBeforeNext).toBe(1000);
    s = refused.state;
    expect(tokenBucket(s, 1000, 1, 1000, 1).allowed).toBe(true);
  });
});
