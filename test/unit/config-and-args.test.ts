import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/errors/app-error.js';
import { parseFirst, parseId } from '../../src/graphql/args.js';
import { createLogger } from '../../src/observability/logger.js';
import { decodeCursor, encodeCursor } from '../../src/loaders/pages.js';
import { affectedCollections, type RelationMap } from '../../src/db/relations.js';
import { listedBy } from '../../src/model/registry.js';

describe('config', () => {
  it('names the bad option and the value it got', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ CACHE_MODE: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.cache.mode).toBe('l1+l2');
    expect(config.database.url).toBeUndefined();
  });
  it('starts a logger with any LOG_BUFFER_BYTES it accepts', () => {
    // sonic-boom throws on a buffer that is not below its largest write.
    for (const LOG_BUFFER_BYTES of ['0', '4096', '16384', '65536', '1048576']) {
      const { logBufferBytes } = loadConfig({ LOG_BUFFER_BYTES });
      const logger = createLogger({ level: 'silent', bufferBytes: logBufferBytes });
      expect(logger.level).toBe('silent');
    }
  });
});

describe('arguments', () => {
  it('accepts positive 32-bit ids only', () => {
    expect(parseId('42')).toBe(42);
    for (const bad of [
      '0',
      '-1',
      '01',
      '1:*',
      '2147483648',
      '__proto__',
      '1\r\nFLUSHALL',
      '1'.repeat(10_000),
    ]) {
      expect(() => parseId(bad)).toThrow(/Invalid id/);
    }
  });
  it('bounds page sizes', () => {
    expect(parseFirst(undefined)).toBe(20);
    expect(parseFirst(100)).toBe(100);
    for (const bad of [0, -1, 101, 100000, 1.5]) expect(() => parseFirst(bad)).toThrow(/first/);
  });
  it('round-trips cursors and rejects forged ones', () => {
    expect(decodeCursor(encodeCursor(17))).toBe(17);
    for (const bad of [
      '',
      'nope',
      Buffer.from('product:-1').toString('base64url'),
      'a'.repeat(1000),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(/cursor/);
    }
  });
});

describe('affected collections', () => {
  const relations: RelationMap = new Map([
    [
      'Product',
      {
        foreignKeys: [{ field: 'categoryId', target: 'Category' }],
        cascades: [{ model: 'Review', field: 'productId' }],
      },
    ],
    [
      'Review',
      {
        foreignKeys: [
          { field: 'productId', target: 'Product' },
          { field: 'authorId', target: 'User' },
        ],
        cascades: [],
      },
    ],
  ]);
  it('a create touches the global list and its foreign-key lists', () => {
    expect(
      affectedCollections(relations, 'Review', 'create', [{ id: 1, productId: 2, authorId: 3 }]),
    ).toEqual([
      { model: 'Review', field: null, value: null },
      { model: 'Review', field: 'productId', value: 2 },
      { model: 'Review', field: 'authorId', value: 3 },
    ]);
  });
  it('a delete also empties cascaded children', () => {
    expect(
      affectedCollections(relations, 'Product', 'delete', [{ id: 9, categoryId: 1 }]),
    ).toContainEqual({ model: 'Review', field: 'productId', value: 9 });
  });
  it('an update that changes no listed column touches no list; one that does, its lists', () => {
    const listed = new Map(
      [...relations].map(([m, r]) => [
        m,
        { ...r, listedBy: new Set(m === 'Product' ? ['categoryId'] : ['productId', 'rating']) },
      ]),
    );
    const row = { id: 9, categoryId: 1 };
    expect(
      affectedCollections(listed, 'Product', 'update', [row], ['priceCents', 'stock', 'version']),
    ).toEqual([]);
    expect(affectedCollections(listed, 'Product', 'update', [row], ['categoryId'])).toEqual([
      { model: 'Product', field: 'categoryId', value: 1 },
    ]);
    expect(
      affectedCollections(
        listed,
        'Review',
        'update',
        [{ id: 1, productId: 2, authorId: 3 }],
        ['rating'],
      ),
    ).toContainEqual({ model: 'Review', field: 'productId', value: 2 });
    // Unknown columns: every foreign-key list, as before.
    expect(affectedCollections(listed, 'Product', 'update', [row])).toHaveLength(1);
  });
  it('an update of the column the list of all rows is ordered by reorders it', () => {
    const ordered = new Map([
      [
        'Category',
        { foreignKeys: [], cascades: [], listedBy: new Set(['slug']), allOrderedBy: 'slug' },
      ],
    ]);
    const all = { model: 'Category', field: null, value: null };
    expect(affectedCollections(ordered, 'Category', 'update', [{ id: 1 }], ['slug'])).toEqual([
      all,
    ]);
    expect(affectedCollections(ordered, 'Category', 'update', [{ id: 1 }], ['name'])).toEqual([]);
    expect(affectedCollections(ordered, 'Category', 'update', [{ id: 1 }])).toEqual([all]);
  });
  it('the columns collections depend on follow the registry', () => {
    expect([...listedBy('Product')].sort()).toEqual(['brandId', 'categoryId']);
    expect([...listedBy('Review')].sort()).toEqual([
      'authorId',
      'createdAt',
      'productId',
      'rating',
    ]);
    expect([...listedBy('Category')]).toEqual(['slug']);
    expect([...listedBy('User')]).toEqual([]);
  });
  it('an update touches the old and new foreign-key lists, not the global one', () => {
    const touched = affectedCollections(relations, 'Product', 'update', [
      { id: 9, categoryId: 1 },
      { id: 9, categoryId: 2 },
    ]);
    expect(touched).toEqual([
      { model: 'Product', field: 'categoryId', value: 1 },
      { model: 'Product', field: 'categoryId', value: 2 },
    ]);
  });
});
