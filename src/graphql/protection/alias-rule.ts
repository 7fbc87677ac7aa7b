/**
 * Maximum aliases: aliases let one operation run the same field many times
 * (a brute-force login, an expensive field a hundred times). Counted in the
 * operation as executed, so a fragment with 10 aliases spread 10 times is 100.
 */
import type { ValidationRule } from 'graphql';
import { foldOperation, type SelectionFold } from './fold-selections.js';
import { queryTooComplex } from './query-too-complex.js';

const ALIASES: SelectionFold<number> = {
  empty: 0,
  merge: (a, b) => a + b,
  field: ({ node }, children) => (node.alias ? 1 : 0) + children,
};

/** Refuses operations using more than `maxAliases` aliases. */
export function maxAliasesRule(maxAliases: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const aliases = foldOperation(context, operation, ALIASES);
      if (aliases > maxAliases)
        context.reportError(
          queryTooComplex(`Query uses ${aliases} aliases; the limit is ${maxAliases}`, operation),
        );
      return false;
    },
  });
}
