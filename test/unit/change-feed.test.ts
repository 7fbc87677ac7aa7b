/**
 * The change feed as an object (src/db/change-feed.ts), with no database: a
 * stand-in `listen` delivers notifications as the triggers write them. Each
 * becomes one CommittedBatch (origin: feed) handed to the write door; a
 * reconnect reports lost changes; close stops listening.
 */
import { describe, expect, it } from 'vitest';
import type { CommittedBatch } from '../../src/cache/index.js';
import { ChangeFeed, CHANGE_FEED_CHANNEL } from '../../src/db/change-feed.js';
import type { RelationMap } from '../../src/db/relations.js';

const relations: RelationMap = new Map([
  ['Category', { foreignKeys: [], cascades: [] }],
  ['Product', { foreignKeys: [{ field: 'categoryId', target: 'Category' }], cascades: [] }],
]);

function feedWithStandIn() {
  const listening: Array<{
    channel: string;
    deliver: (payload: string) => void;
    reconnect: () => void;
  }> = [];
  let stopped = 0;
  const applied: CommittedBatch[] = [];
  const lost: string[] = [];
  const feed = new ChangeFeed({
    database: {
      listen: async (channel, listener, onReconnect) => {
        listening.push({ channel, deliver: listener, reconnect: () => onReconnect?.() });
        return async () => void stopped++;
      },
    },
    relations,
    sink: {
      apply: async (batch) => void applied.push(batch),
      changesLost: (reason) => void lost.push(reason),
    },
  });
  return { feed, listening, applied, lost, stopped: () => stopped };
}

describe('the change feed', () => {
  it('hands each notification to the write door as one batch from the feed: an update is fenced, a delete is "not found"', async () => {
    const { feed, listening, applied } = feedWithStandIn();
    await feed.start();
    expect(listening.map((l) => l.channel)).toEqual([CHANGE_FEED_CHANNEL]);
    const deliver = listening[0]!.deliver;
    deliver(
      JSON.stringify({
        t: 'Product',
        op: 'update',
        id: 4,
        v: 7,
        old: { categoryId: 1 },
        new: { categoryId: 2 },
      }),
    );
    deliver(
      JSON.stringify({
        t: 'Product',
        op: 'delete',
        id: 5,
        v: 3,
        old: { categoryId: 1 },
        new: null,
      }),
    );
    deliver('not json');
    deliver(JSON.stringify({ t: 'Unknown', op: 'update', id: 1, v: 1, old: null, new: {} }));
    expect(applied.map((b) => ({ ...b, collections: b.collections.length }))).toEqual([
      {
        changes: [{ model: 'Product', id: 4, version: 7, row: undefined }],
        collections: expect.any(Number),
        origin: 'feed',
      },
      {
        changes: [{ model: 'Product', id: 5, version: 4, row: null }],
        collections: expect.any(Number),
        origin: 'feed',
      },
    ]);
    // A move between categories touches both categories' lists.
    expect(applied[0]!.collections).toEqual(
      expect.arrayContaining([
        { model: 'Product', field: 'categoryId', value: 1 },
        { model: 'Product', field: 'categoryId', value: 2 },
      ]),
    );
  });

  it('a reconnect reports lost changes; close stops listening, once', async () => {
    const { feed, listening, lost, stopped } = feedWithStandIn();
    await feed.start();
    await feed.start();
    expect(listening).toHaveLength(1);
    listening[0]!.reconnect();
    expect(lost).toEqual(['change-feed']);
    await feed.close();
    await feed.close();
    expect(stopped()).toBe(1);
  });
});
