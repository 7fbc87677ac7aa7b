/**
 * Limits checked before a document is parsed: its size in bytes (by the HTTP
 * layer, before anything else) and its token count (a graphql-js parse
 * option, which aborts the lexer at the limit instead of building the AST).
 */
import type { GraphQLError, ParseOptions } from 'graphql';
import { DEFAULT_PROTECTION_OPTIONS } from './limits.js';
import { queryTooComplex } from './query-too-complex.js';

/** A QUERY_TOO_COMPLEX error when `query` is over `maxBytes` (UTF-8), else undefined. */
export function documentSizeError(
  query: string,
  maxBytes: number = DEFAULT_PROTECTION_OPTIONS.maxDocumentBytes,
): GraphQLError | undefined {
  // Every UTF-16 code unit is at least one UTF-8 byte: a long string is over without being scanned.
  const bytes = query.length > maxBytes ? query.length : Buffer.byteLength(query, 'utf8');
  if (bytes <= maxBytes) return undefined;
  const actual = query.length > maxBytes ? `at least ${bytes}` : String(bytes);
  return queryTooComplex(`Query document is ${actual} bytes; the limit is ${maxBytes} bytes`);
}

/** Parse options that enforce the token limit (pass to Apollo's `parseOptions` or to `parse`). */
export function protectionParseOptions(
  maxTokens: number = DEFAULT_PROTECTION_OPTIONS.maxTokens,
): ParseOptions {
  return { maxTokens };
}
