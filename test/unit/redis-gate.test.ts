/**
 * RedisGate never throws and never swallows silently: every failed call is
 * reported (to be counted), and the first of each outage is marked (to be
 * logged once). The connection is a stand-in whose status is 'ready': the
 * calls themselves are plain functions that resolve or reject.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisGate } from '../../src/redis/redis-client.js';

describe('RedisGate failures', () => {
  it('reports every failed call, marks the first of each outage, and falls back to undefined', async () => {
    const reports: boolean[] = [];
    const gate = new RedisGate({ status: 'ready' } as Redis, {
      failureThreshold: 100,
      onFailure: (_error, first) => reports.push(first),
    });
    const fail = () => Promise.reject(new Error('timeout'));
    expect(await gate.run(fail)).toBeUndefined();
    expect(await gate.run(fail)).toBeUndefined();
    expect(await gate.run(async () => 'ok')).toBe('ok');
    expect(await gate.run(fail)).toBeUndefined();
    expect(reports).toEqual([true, false, true]);
  });

  it('counts a round trip only for calls actually sent', async () => {
    let trips = 0;
    const gate = new RedisGate({ status: 'end' } as Redis);
    expect(
      await gate.run(
        async () => 1,
        () => trips++,
      ),
    ).toBeUndefined();
    expect(trips).toBe(0);
  });
});
