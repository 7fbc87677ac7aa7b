/**
 * Query protection limits, checked before execution so a refused operation
 * runs no resolver and no SQL.
 */
export interface ProtectionLimits {
  /** Bytes of query text; checked before parsing. */
  maxDocumentBytes: number;
  /** Lexer tokens; graphql-js stops parsing past it. */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  /** See cost.ts: list sizes multiply the cost of what is below them. */
  maxCost: number;
}

export const DEFAULT_LIMITS: ProtectionLimits = {
  maxDocumentBytes: 100 * 1024,
  maxTokens: 5000,
  maxDepth: 12,
  maxAliases: 30,
  maxCost: 10_000,
};
