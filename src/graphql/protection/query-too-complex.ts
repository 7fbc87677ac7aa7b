/**
 * The error every protection limit reports: a GraphQLError (validation rules
 * must report those) carrying QUERY_TOO_COMPLEX, whose original error is the
 * application's QueryTooComplexError so the error boundary treats it as one.
 */
import { GraphQLError, type ASTNode } from 'graphql';
import { QueryTooComplexError } from '../../errors/app-error.js';
import { ErrorCode } from '../../errors/codes.js';

/** A QUERY_TOO_COMPLEX error; `message` names the limit and the actual value. */
export function queryTooComplex(
  message: string,
  nodes?: ASTNode | readonly ASTNode[],
): GraphQLError {
  return new GraphQLError(message, {
    nodes,
    originalError: new QueryTooComplexError(message),
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX },
  });
}
