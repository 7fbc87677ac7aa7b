/**
 * The replica router's rule, with stand-in positions (the real replica is in
 * postgres-replica.test.ts): after a commit, reads use the primary until a
 * replica has replayed the commit's WAL position, then the replica again;
 * a commit heard of from another writer (the change feed) does the same
 * with the primary's position read after it was heard of.
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

  it("another writer's commit keeps reads on the primary until a position read after it has been replayed", async () => {
    const replica = {} as PrismaClient;
    let primary = '0/100';
    let replayed = '0/100';
    // Position reads wait until released, so one can be in flight when a commit is heard of.
    const asked: Array<() => void> = [];
    const router = new ReplicaRouter({
      replicas: [{ prisma: replica, replayLsn: async () => replayed }],
      primaryLsn: () => {
        const lsn = primary;
        return new Promise((resolve) => asked.push(() => resolve(lsn)));
      },
      pollMs: 1,
    });
    const answer = () => asked.splice(0).forEach((release) => release());
    try {
      expect(router.pick()).toBe(replica);
      primary = '0/200';
      router.seen();
      // Synchronously: the very next read already uses the primary.
      expect(router.pick()).toBeUndefined();
      await eventually(() => expect(asked.length).toBe(1));
      // Heard of while the position (0/200) was being read: a later commit.
      primary = '0/300';
      router.seen();
      answer();
      replayed = '0/200';
      await new Promise((r) => setTimeout(r, 20));
      // 0/200 was read before the second commit was heard of: not enough.
      expect(router.pick()).toBeUndefined();
      await eventually(() => expect(asked.length).toBe(1));
      answer();
      await new Promise((r) => setTimeout(r, 20));
      expect(router.pick()).toBeUndefined();
      replayed = '0/300';
      await eventually(() => expect(router.pick()).toBe(replica));
    } finally {
      answer();
      router.close();
    }
  });
});
