/**
 * The one boundary where errors become GraphQL errors. AppErrors keep their
 * code, message and extensions; everything else (database, Redis, bugs) is
 * masked as INTERNAL_SERVER_ERROR (except a database that is unreachable or
 * timed out: DATABASE_UNAVAILABLE, so clients know to retry), so no SQL, stack trace or host name leaks.
 * In development the original message is kept to help debugging, never the
 * stack in production.
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { AppError, DatabaseUnavailableError } from '../errors/app-error.js';
import { ErrorCode } from '../errors/codes.js';

/** Codes Apollo Server and graphql-js produce for bad requests, which are safe to show. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  ErrorCode.QUERY_TOO_COMPLEX,
  ErrorCode.RATE_LIMITED,
]);

/**
 * True for an error that will be masked as INTERNAL_SERVER_ERROR: neither an
 * AppError nor one of the client codes. Its details belong in the server log.
 */
export function isInternalError(error: unknown): boolean {
  if (unwrapResolverError(error) instanceof AppError) return false;
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return !(typeof code === 'string' && CLIENT_CODES.has(code));
}

/**
 * `onInternal` sees every masked error; the server logs them from a plugin
 * instead (with the request id), so it is optional.
 */
export function createFormatError(options: {
  production: boolean;
  onInternal?: (error: unknown) => void;
}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const original =
      !(unwrapped instanceof AppError) && isDatabaseUnavailable(unwrapped)
        ? new DatabaseUnavailableError(unwrapped)
        : unwrapped;
    if (original instanceof AppError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.extensions, code: original.code },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    options.onInternal?.(original);
    return {
      message: options.production
        ? 'Internal server error'
        : `Internal server error: ${(original as Error)?.message ?? 'unknown'}`,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
