/**
 * Maximum depth: how deeply fields nest in the operation as executed
 * (fragments count where they are spread).
 */
import type { ValidationRule } from 'graphql';
import { foldOperation, type SelectionFold } from './fold-selections.js';
import { queryTooComplex } from './query-too-complex.js';

const DEPTH: SelectionFold<number> = {
  empty: 0,
  merge: (a, b) => Math.max(a, b),
  field: ({ node, parentType }, children) =>
    // `__Type.ofType` only unwraps list and non-null markers (one object per
    // level, no fan-out); counting it would put the standard introspection
    // query (depth 15) over any sensible limit.
    parentType?.name === '__Type' && node.name.value === 'ofType' ? children : 1 + children,
};

/** Refuses operations nested deeper than `maxDepth` fields. */
export function maxDepthRule(maxDepth: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const depth = foldOperation(context, operation, DEPTH);
      if (depth > maxDepth)
        context.reportError(
          queryTooComplex(`Query depth ${depth} exceeds the limit of ${maxDepth}`, operation),
        );
      // The fold has seen the whole operation; nothing below needs visiting.
      return false;
    },
  });
}
