/**
 * The replica router's rule, with stand-in positions (the real replica is in
 * postgres-replica.test.ts): after a commit, reads use the primary until a
 * replica has replayed the commit's WAL position, then the replica again.
 */
import { describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { parseLsn, ReplicaRouter } from '../../src/db/replica-router.js';
import { eventually } from '../helpers/eventually.js';

describe('replica router', () => {
  it('parses LSNs in order', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(() => parseLsn('garbage')).toThrow(RangeError);
  });

  it('reads go to the primary after a commit until the replica has replayed it, then back to the replica', async () => {
    const replica = {} as PrismaClient;
    let primary = '0/100';
    let replayed: string | null = '0/100';
    const router = new ReplicaRouter({
      replicas: [{ prisma: replica, replayLsn: async () => replayed }],
      primaryLsn: async () => primary,
      pollMs: 1,
    });
    try {
      expect(router.pick()).toBe(replica);
      primary = '0/200';
      await router.committed();
      expect(router.pick()).toBeUndefined();
      replayed = '0/1FF';
      await new Promise((r) => setTimeout(r, 20));
      expect(router.pick()).toBeUndefined();
      replayed = '0/200';
      await eventually(() => expect(router.pick()).toBe(replica));
      // A failed replica is skipped until it answers again.
      router.failed(replica);
      expect(router.pick()).toBeUndefined();
      await eventually(() => expect(router.pick()).toBe(replica));
    } finally {
      router.close();
    }
  });

  it('a commit whose position cannot be read keeps reads on the primary until one can', async () => {
    const replica = {} as PrismaClient;
    let primaryUp = false;
    const router = new ReplicaRouter({
      replicas: [{ prisma: replica, replayLsn: async () => '0/500' }],
      primaryLsn: async () => {
        if (!primaryUp) throw new Error('primary unreachable');
        return '0/400';
      },
      pollMs: 1,
    });
    try {
      await router.committed();
      await new Promise((r) => setTimeout(r, 20));
      expect(router.pick()).toBeUndefined();
      primaryUp = true;
      await eventually(() => expect(router.pick()).toBe(replica));
    } finally {
      router.close();
    }
  });
});
