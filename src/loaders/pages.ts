/**
 * Product pages (connections) and their opaque cursors. A page holds ids only;
 * its nodes come through the product loader.
 */
import { BadInputError } from '../errors/app-error.js';

export interface ProductPageKey {
  /** null: all products. */
  categoryId: number | null;
  first: number;
  /** Return products with id greater than this (0: from the start). */
  afterId: number;
}

export interface ProductPage {
  key: ProductPageKey;
  ids: number[];
  hasNextPage: boolean;
}

export interface ProductEdgeSource {
  id: number;
  cursor: string;
}

const CURSOR_PREFIX = 'product:';

export function encodeCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor from `after`; a malformed one is a BAD_USER_INPUT error. */
export function decodeCursor(cursor: string): number {
  const text = cursor.length <= 64 && /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^product:([1-9][0-9]{0,9})$/.exec(text);
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new BadInputError('Invalid cursor in "after"', { argument: 'after' });
  return id;
}
