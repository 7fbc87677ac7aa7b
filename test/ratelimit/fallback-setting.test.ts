/**
 * What a rate-limit check decides when Redis cannot answer, for each
 * RATE_LIMIT_FALLBACK setting: a lost Redis follows the setting, a slow one
 * (still connected) always counts locally, and an outage is reported once.
 */
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import type { RateLimitRule } from '../../src/ratelimit/rule.js';

const rule = (fallback: 'LOCAL' | 'CLOSED'): RateLimitRule => ({
  field: 'Mutation.login',
  index: 0,
  limit: 5,
  windowMs: 60_000,
  by: ['IP'],
  argument: null,
  algorithm: 'FIXED_WINDOW',
  burst: 5,
  fallback,
});

function limiter(
  setting: 'local' | 'closed' | 'directive',
  connected: boolean,
  events: string[] = [],
) {
  // Redis that cannot answer: every call fails (down, or timed out while connected).
  const gate = { run: async () => undefined, connected };
  return new RateLimiter({
    gate,
    prefix: 'unit',
    now: () => 1_000_000,
    fallback: setting,
    onOutage: (e, d) => events.push(`${e}:${d.mode}`),
  });
}

describe('rate-limit fallback setting', () => {
  const cases: Array<
    [
      setting: 'local' | 'closed' | 'directive',
      connected: boolean,
      fallback: 'LOCAL' | 'CLOSED',
      source: string,
    ]
  > = [
    ['local', false, 'CLOSED', 'local'],
    ['closed', false, 'LOCAL', 'closed'],
    ['directive', false, 'CLOSED', 'closed'],
    ['directive', false, 'LOCAL', 'local'],
    ['closed', true, 'CLOSED', 'local'],
    ['directive', true, 'CLOSED', 'local'],
  ];
  for (const [setting, connected, fallback, source] of cases) {
    it(`${setting}, Redis ${connected ? 'slow' : 'down'}, field fallback ${fallback}: decided ${source}`, async () => {
      const result = await limiter(setting, connected).consume(rule(fallback), ['1.2.3.4']);
      expect(result.source).toBe(source);
      expect(result.allowed).toBe(source === 'local');
    });
  }

  it('an outage is reported once however many checks fall back', async () => {
    const events: string[] = [];
    const l = limiter('local', false, events);
    for (let i = 0; i < 20; i++) await l.consume(rule('LOCAL'), [`ip${i}`]);
    expect(events).toEqual(['started:local']);
  });
});
