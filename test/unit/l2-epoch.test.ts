/**
 * The bookkeeping behind L2 recovery (src/cache/l2-epoch.ts): what makes an
 * instance stop trusting L2, and what it must do before trusting it again.
 */
import { describe, expect, it } from 'vitest';
import { L2Epoch } from '../../src/cache/index.js';

describe('L2 epoch bookkeeping', () => {
  it('a missed write is replayed as a fence at its newest version, without advancing the epoch', () => {
    const epoch = new L2Epoch(() => undefined);
    expect(epoch.trusted).toBe(true);
    epoch.markMissed({ entities: [{ key: 'k', version: 3, ttlMs: 10 }], collections: ['c:v'] });
    epoch.markMissed({ entities: [{ key: 'k', version: 5, ttlMs: 20 }] });
    expect(epoch.trusted).toBe(false);
    const plan = epoch.plan();
    expect(plan).toMatchObject({
      advance: false,
      fences: [{ key: 'k', version: 5, ttlMs: 20 }],
      bumps: ['c:v'],
    });
    epoch.done(plan);
    expect(epoch.trusted).toBe(true);
    expect(epoch.plan()).toMatchObject({ fences: [], bumps: [] });
  });

  it('a change missed while a recovery is in flight keeps L2 untrusted until it is replayed too', () => {
    const epoch = new L2Epoch(() => undefined);
    epoch.markMissed({ entities: [{ key: 'a', version: 1, ttlMs: 10 }] });
    const plan = epoch.plan();
    epoch.markMissed({ entities: [{ key: 'b', version: 2, ttlMs: 10 }] });
    epoch.done(plan);
    expect(epoch.trusted).toBe(false);
    expect(epoch.plan().fences.map((f) => f.key)).toEqual(['b']);
  });

  it('an unknown loss (change-feed reconnect) requires an epoch advance, which flushes and is announced', () => {
    const events: string[] = [];
    const epoch = new L2Epoch((reason) => events.push(reason));
    epoch.observe(100);
    epoch.markMissed();
    const plan = epoch.plan();
    expect(plan.advance).toBe(true);
    epoch.done(plan, 101);
    expect(epoch.trusted).toBe(true);
    expect(epoch.known).toBe(101);
    expect(events).toEqual(['advanced']);
    expect(epoch.plan().advance).toBe(false);
  });

  it('seeing another epoch than the one known means what was copied from L2 may be stale', () => {
    const events: string[] = [];
    const epoch = new L2Epoch((reason) => events.push(reason));
    epoch.observe(7);
    epoch.observe(7);
    expect(events).toEqual([]);
    epoch.observe(8);
    expect(events).toEqual(['observed']);
  });
});
