/**
 * The L2 driver contract suite (src/cache/contracts.ts, L2Driver): one set
 * of behaviours every driver must have, run against the Redis driver on real
 * Redis (test/contract/redis-l2-driver.test.ts) and the in-memory driver
 * (test/unit/memory-l2-driver.test.ts), as bentocache runs one suite over
 * its drivers. TTLs are long, so nothing here depends on time passing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRecord, type L2Driver } from '../../src/cache/index.js';

export interface DriverFixture {
  driver: L2Driver;
  /** A key unique to this suite run. */
  key(name: string): string;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const NOW = 1_800_000_000_000;

/** A present record at `version` under `epoch`, fresh until far in the future. */
const present = (version: number, epoch: number, payload = `v${version}`) =>
  encodeRecord(version, NOW + HOUR, Buffer.from(payload), epoch);

export function describeL2Driver(name: string, open: () => Promise<DriverFixture>): void {
  describe(`L2 driver contract: ${name}`, () => {
    let f: DriverFixture;
    let n = 0;
    /** Fresh keys per test: an epoch key and a namer. */
    const scope = () => {
      const id = `${++n}`;
      return { epochKey: f.key(`${id}:epoch`), k: (s: string) => f.key(`${id}:${s}`) };
    };
    beforeAll(async () => {
      f = await open();
    });
    afterAll(async () => {
      await f.close();
    });

    it('reads nulls and epoch 0 from an empty store; ensureEpoch creates the epoch once', async () => {
      const { epochKey, k } = scope();
      expect(await f.driver.read([k('a'), k('b')], epochKey)).toEqual({
        values: [null, null],
        epoch: 0,
      });
      expect(await f.driver.ensureEpoch(epochKey, NOW)).toBe(NOW);
      expect(await f.driver.ensureEpoch(epochKey, NOW + 5)).toBe(NOW);
      expect((await f.driver.read([k('a')], epochKey)).epoch).toBe(NOW);
    });

    it('a fill is stored only under the expected epoch, and a stale fill never replaces a newer version', async () => {
      const { epochKey, k } = scope();
      const epoch = await f.driver.ensureEpoch(epochKey, NOW);
      const fill = (version: number, expected = epoch) =>
        f.driver.fillEntities(
          epochKey,
          [{ key: k('e'), version, record: present(version, epoch), ttlMs: HOUR }],
          expected,
        );
      expect(await fill(2, epoch + 1)).toEqual({ epoch, stored: [false] });
      expect(await fill(2)).toEqual({ epoch, stored: [true] });
      expect(await fill(1)).toEqual({ epoch, stored: [false] });
      expect(await fill(2)).toEqual({ epoch, stored: [true] });
      expect(await fill(3)).toEqual({ epoch, stored: [true] });
      const { values } = await f.driver.read([k('e')], epochKey);
      expect(values[0]?.equals(present(3, epoch))).toBe(true);
    });

    it('a write-through under a moved epoch, or a fence, stores a fence; a fence never replaces an equal version', async () => {
      const { epochKey, k } = scope();
      const epoch = await f.driver.ensureEpoch(epochKey, NOW);
      const write = (version: number, fence: boolean, expected = epoch) =>
        f.driver.writeEntities(
          epochKey,
          [{ key: k('e'), version, record: present(version, epoch), ttlMs: HOUR, fence }],
          expected,
          NOW,
        );
      expect(await write(1, false)).toEqual({ epoch, outcomes: ['value'] });
      expect(await write(1, true)).toEqual({ epoch, outcomes: ['kept'] });
      expect(await write(2, false, epoch - 1)).toEqual({ epoch, outcomes: ['fence'] });
      const { values } = await f.driver.read([k('e')], epochKey);
      expect(values[0]?.toString('latin1')).toBe(`2|${NOW}|${epoch}|x`);
      expect(await write(2, false)).toEqual({ epoch, outcomes: ['value'] });
      expect(await write(1, false)).toEqual({ epoch, outcomes: ['kept'] });
    });

    it('stores nothing while there is no epoch', async () => {
      const { epochKey, k } = scope();
      const rec = { key: k('e'), version: 1, record: present(1, 1), ttlMs: HOUR };
      expect(await f.driver.writeEntities(epochKey, [{ ...rec, fence: false }], -1, NOW)).toEqual({
        epoch: 0,
        outcomes: ['kept'],
      });
      expect(await f.driver.fillEntities(epochKey, [rec], 0)).toEqual({
        epoch: 0,
        stored: [false],
      });
      expect((await f.driver.read([k('e')], epochKey)).values).toEqual([null]);
    });

    it('acquireOrRead returns a fresh record, or takes the lease once; a fill with the lease releases it', async () => {
      const { epochKey, k } = scope();
      const epoch = await f.driver.ensureEpoch(epochKey, NOW);
      const pairs = [{ key: k('e'), leaseKey: k('e:lease') }];
      expect((await f.driver.acquireOrRead(epochKey, pairs, 'me', HOUR, NOW)).results).toEqual([
        true,
      ]);
      expect((await f.driver.acquireOrRead(epochKey, pairs, 'other', HOUR, NOW)).results).toEqual([
        false,
      ]);
      expect(await f.driver.acquireLease(k('e:lease'), 'other', HOUR)).toBe(false);
      const record = present(4, epoch);
      await f.driver.fillEntities(
        epochKey,
        [{ key: k('e'), version: 4, record, ttlMs: HOUR }],
        epoch,
        { keys: [k('e:lease')], token: 'me' },
      );
      const got = await f.driver.acquireOrRead(epochKey, pairs, 'other', HOUR, NOW);
      expect(got.epoch).toBe(epoch);
      expect(Buffer.isBuffer(got.results[0]) && got.results[0].equals(record)).toBe(true);
      // A record of another epoch, or past its soft expiry, is not fresh: the lease is free again.
      const old = encodeRecord(5, NOW + HOUR, Buffer.from('x'), epoch - 1);
      await f.driver.writeEntities(
        epochKey,
        [{ key: k('e'), version: 5, record: old, ttlMs: HOUR, fence: false }],
        epoch,
        NOW,
      );
      expect((await f.driver.acquireOrRead(epochKey, pairs, 'third', HOUR, NOW)).results).toEqual([
        true,
      ]);
    });

    it('releases only leases its token holds', async () => {
      const { k } = scope();
      expect(await f.driver.acquireLease(k('l'), 'a', HOUR)).toBe(true);
      await f.driver.releaseLeases([k('l')], 'b');
      expect(await f.driver.acquireLease(k('l'), 'b', HOUR)).toBe(false);
      await f.driver.releaseLeases([k('l')], 'a');
      expect(await f.driver.acquireLease(k('l'), 'b', HOUR)).toBe(true);
    });

    it('a collection fill is kept only while its version is the one read before; bumps count up', async () => {
      const { epochKey, k } = scope();
      const epoch = await f.driver.ensureEpoch(epochKey, NOW);
      const fill = (expectedVersion: number, expectedEpoch = epoch) =>
        f.driver.fillCollections(
          epochKey,
          [
            {
              versionKey: k('c:v'),
              expectedVersion,
              key: k('c:all'),
              record: present(1, epoch),
              ttlMs: HOUR,
            },
          ],
          expectedEpoch,
        );
      expect(await fill(0)).toBe(1);
      expect(await f.driver.bumpCollections([k('c:v'), k('d:v')], HOUR)).toEqual([1, 1]);
      expect(await fill(0)).toBe(0);
      expect(await fill(1, epoch + 1)).toBe(0);
      expect(await fill(1)).toBe(1);
      expect(await f.driver.bumpCollections([k('c:v')], HOUR)).toEqual([2]);
    });

    it('advancing the epoch never repeats one; a new server id advances it, the same one does not', async () => {
      const { epochKey } = scope();
      expect(await f.driver.advanceEpoch(epochKey, NOW)).toBe(NOW);
      expect(await f.driver.advanceEpoch(epochKey, NOW)).toBe(NOW + 1);
      expect(await f.driver.advanceEpoch(epochKey, NOW + 100)).toBe(NOW + 100);
      expect(await f.driver.checkServer(epochKey, 'server-a', NOW)).toBe(NOW + 101);
      expect(await f.driver.checkServer(epochKey, 'server-a', NOW)).toBe(NOW + 101);
      expect(await f.driver.checkServer(epochKey, 'server-b', NOW + 500)).toBe(NOW + 500);
      expect(typeof (await f.driver.serverId())).toBe('string');
    });

    it('deletes keys', async () => {
      const { epochKey, k } = scope();
      const epoch = await f.driver.ensureEpoch(epochKey, NOW);
      await f.driver.fillEntities(
        epochKey,
        [{ key: k('e'), version: 1, record: present(1, epoch), ttlMs: HOUR }],
        epoch,
      );
      await f.driver.delete([k('e')]);
      expect((await f.driver.read([k('e')], epochKey)).values).toEqual([null]);
    });

    it('raiseEpoch raises an epoch copy to the target and never lowers it', async () => {
      const { epochKey } = scope();
      expect(await f.driver.raiseEpoch(epochKey, NOW)).toBe(NOW);
      expect(await f.driver.raiseEpoch(epochKey, NOW - 10)).toBe(NOW);
      expect(await f.driver.raiseEpoch(epochKey, NOW + 7)).toBe(NOW + 7);
      expect((await f.driver.read([], epochKey)).epoch).toBe(NOW + 7);
    });

    it('batch runs one operation per shard in order, counting at least one and at most one round trip per operation', async () => {
      const { epochKey, k } = scope();
      const epoch = await f.driver.ensureEpoch(epochKey, NOW);
      let trips = 0;
      const [filled, read, bumped] = await f.driver.batch<unknown>(
        [
          {
            key: epochKey,
            run: (d) =>
              d.fillEntities(
                epochKey,
                [{ key: k('e'), version: 1, record: present(1, epoch), ttlMs: HOUR }],
                epoch,
              ),
          },
          { key: epochKey, run: (d) => d.read([k('e'), k('none')], epochKey) },
          { key: k('c:v'), run: (d) => d.bumpCollections([k('c:v')], HOUR) },
        ],
        () => trips++,
      );
      expect(filled).toEqual({ epoch, stored: [true] });
      const { values } = read as { values: Array<Buffer | null>; epoch: number };
      expect(values[0]?.equals(present(1, epoch))).toBe(true);
      expect(values[1]).toBeNull();
      expect(bumped).toEqual([1]);
      expect(trips).toBeGreaterThanOrEqual(1);
      expect(trips).toBeLessThanOrEqual(3);
      // Keys of one server: one round trip.
      if (f.driver.ownerOf(epochKey) === undefined) expect(trips).toBe(1);
    });

    it('a failing operation rejects the batch', async () => {
      const { epochKey } = scope();
      await expect(
        f.driver.batch(
          [{ key: epochKey, run: () => Promise.reject(new Error('boom')) }],
          () => undefined,
        ),
      ).rejects.toThrow('boom');
    });

    it('serverIds names the server of each key, as serverId does on one server', async () => {
      const { epochKey, k } = scope();
      let trips = 0;
      const ids = await f.driver.serverIds([epochKey, k('x')], () => trips++);
      expect(ids).toHaveLength(2);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      if (f.driver.ownerOf(epochKey) === undefined) {
        expect(ids).toEqual([await f.driver.serverId(), await f.driver.serverId()]);
        expect(trips).toBe(1);
      }
    });
  });
}
