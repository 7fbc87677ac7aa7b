/**
 * Validation of GraphQL arguments that the schema's types cannot express:
 * ids, page sizes, text lengths. Each failure is a BAD_USER_INPUT naming the
 * argument.
 */
import { BadInputError } from '../errors/app-error.js';

const MAX_ID = 2_147_483_647;

/** Parses an `ID` argument into a database id (a positive 32-bit integer). */
export function parseId(value: string, argument = 'id'): number {
  const id = /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
  if (!(id <= MAX_ID))
    throw new BadInputError(`Invalid ${argument}: expected a positive integer id`, { argument });
  return id;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Validates `first`: default 20, between 1 and 100. */
export function parseFirst(value: number | null | undefined, argument = 'first'): number {
  if (value === null || value === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new BadInputError(`${argument} must be between 1 and ${MAX_PAGE_SIZE}, got ${value}`, {
      argument,
    });
  }
  return value;
}

/** Trims a text argument and checks its length. */
export function parseText(value: string, argument: string, min: number, max: number): string {
  const text = value.trim();
  if (text.length < min || text.length > max) {
    throw new BadInputError(`${argument} must be ${min} to ${max} characters`, { argument });
  }
  return text;
}

/** Checks an integer argument's range. */
export function parseIntRange(value: number, argument: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(`${argument} must be an integer from ${min} to ${max}, got ${value}`, {
      argument,
    });
  }
  return value;
}
