/**
 * Error classes with a stable code and a cause. They become GraphQL errors at
 * one boundary only (src/graphql/format-error.ts).
 */
import { ErrorCode } from './codes.js';

/** Base class: `code` is stable, `message` is safe to show to clients. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; extensions?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.extensions = options.extensions ?? {};
  }
}

export class BadInputError extends AppError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, { extensions });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'You must be signed in') {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this') {
    super(ErrorCode.FORBIDDEN, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(ErrorCode.NOT_FOUND, `${what} ${id} not found`, { extensions: { id } });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
  }
}

export class InsufficientStockError extends AppError {
  constructor(productId: string, requested: number, available: number) {
    super(
      ErrorCode.INSUFFICIENT_STOCK,
      `Product ${productId} has ${available} in stock, ${requested} requested`,
      {
        extensions: { productId, requested, available },
      },
    );
  }
}

export class RateLimitedError extends AppError {
  constructor(field: string, retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, `Too many calls to ${field}; retry in ${retryAfterSeconds} s`, {
      extensions: { retryAfter: retryAfterSeconds },
    });
  }
}

export class QueryTooComplexError extends AppError {
  constructor(message: string) {
    super(ErrorCode.QUERY_TOO_COMPLEX, message);
  }
}

/** The database could not be reached or did not answer within its timeout. */
export class DatabaseUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable; try again shortly', {
      cause,
    });
  }
}

/** A configuration problem at start-up: the message names the option and its value. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Thrown where a switch should have covered every case. */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
  }
}
