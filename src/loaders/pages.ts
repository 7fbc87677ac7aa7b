/**
 * Pages (connections) of a model's rows in id order, and their opaque
 * cursors. A page holds ids only; its nodes come through the entity loader.
 */
import { BadInputError } from '../errors/app-error.js';
import type { ModelName } from '../model/registry.js';

/** The rows of one parent: those whose foreign key `field` equals `value`. */
export interface ParentScope {
  field: string;
  value: number;
}

export interface PageKey {
  model: ModelName;
  /** null: all rows of the model. */
  scope: ParentScope | null;
  first: number;
  /** Return rows with id greater than this (0: from the start). */
  afterId: number;
}

export interface Page {
  key: PageKey;
  ids: number[];
  hasNextPage: boolean;
}

/** A page of products (the GraphQL `ProductConnection`). */
export type ProductPage = Page;

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
  const text =
    cursor.length <= 64 && /^[A-Za-z0-9_-]+$/.test(cursor)
      ? Buffer.from(cursor, 'base64url').toString('utf8')
      : '';
  const match = /^product:([1-9][0-9]{0,9})$/.exec(text);
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647)
    throw new BadInputError('Invalid cursor in "after"', { argument: 'after' });
  return id;
}
