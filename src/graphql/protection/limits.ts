/**
 * Query protection limits and their defaults. Size and tokens are checked
 * before parsing (document-limits.ts); depth, aliases and cost by validation
 * rules before execution (create-protection-rules.ts).
 */
export interface ProtectionOptions {
  /** Bytes of query text (UTF-8); checked before parsing. */
  maxDocumentBytes: number;
  /** Lexer tokens; graphql-js stops parsing past it. */
  maxTokens: number;
  /** Nesting of fields; fragments count where they are spread. */
  maxDepth: number;
  /** Aliased fields in the operation as executed (a fragment counts each time it is spread). */
  maxAliases: number;
  /** See cost-rule.ts: `@cost` weights, multiplied by list-size arguments such as `first`. */
  maxCost: number;
  /** The multiplier assumed when a `@cost` multiplier argument is absent or null: the default page size. */
  defaultMultiplier: number;
}

/** Alias kept for existing imports. */
export type ProtectionLimits = ProtectionOptions;

export const DEFAULT_PROTECTION_OPTIONS: Readonly<ProtectionOptions> = Object.freeze({
  maxDocumentBytes: 100 * 1024,
  maxTokens: 5000,
  maxDepth: 12,
  maxAliases: 30,
  maxCost: 10_000,
  defaultMultiplier: 20,
});

/** Alias kept for existing imports (the server and the HTTP layer). */
export const DEFAULT_LIMITS = DEFAULT_PROTECTION_OPTIONS;

/** Fills in defaults; throws naming the option when a value is not a positive integer. */
export function resolveProtectionOptions(
  options: Partial<ProtectionOptions> = {},
): ProtectionOptions {
  const resolved = { ...DEFAULT_PROTECTION_OPTIONS };
  for (const [name, value] of Object.entries(options) as [keyof ProtectionOptions, unknown][]) {
    if (!(name in DEFAULT_PROTECTION_OPTIONS) || value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(
        `Query protection option ${name} must be a positive integer, got ${String(value)}`,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}
