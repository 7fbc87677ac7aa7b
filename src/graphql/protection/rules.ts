/**
 * Depth, alias and cost limits for one operation. Cost: each field costs
 * its `@cost(weight)` (default 1); a field whose `@cost(multipliers)` names
 * arguments (such as `first`) multiplies everything below it by their values
 * (literal or from variables; 20, the default page size, when absent).
 */
import { getDirective } from '@graphql-tools/utils';
import { type DocumentNode, type FragmentDefinitionNode, GraphQLError, type GraphQLSchema, Kind, type OperationDefinitionNode, valueFromASTUntyped } from 'graphql';
import { ErrorCode } from '../../errors/codes.js';
import type { ProtectionLimits } from './limits.js';
import { walkSelections } from './walk.js';

const DEFAULT_MULTIPLIER = 20;

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } });
}

/** Throws QUERY_TOO_COMPLEX when the operation is over a limit. */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: ProtectionLimits,
): void {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const root = schema.getRootType(operation.operation) ?? undefined;

  let aliases = 0;
  let depth = 0;
  const cost = (selections: typeof operation.selectionSet): number =>
    walkSelections<number>(schema, fragments, root, selections, ({ node, def, depth: d }, children) => {
      if (node.alias) aliases++;
      depth = Math.max(depth, d);
      if (depth > limits.maxDepth) throw tooComplex(`Query depth exceeds the limit of ${limits.maxDepth}`);
      const declared = def ? getDirective(schema, def, 'cost')?.[0] : undefined;
      const weight = Number(declared?.weight ?? 1);
      let multiplier = 1;
      for (const name of (declared?.multipliers as string[] | undefined) ?? []) {
        const arg = node.arguments?.find((a) => a.name.value === name);
        const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
        multiplier *= typeof value === 'number' && value > 0 ? value : DEFAULT_MULTIPLIER;
      }
      return weight + multiplier * children().reduce((a, b) => a + b, 0);
    }).reduce((a, b) => a + b, 0);

  const total = cost(operation.selectionSet);
  if (aliases > limits.maxAliases) throw tooComplex(`Query uses ${aliases} aliases; the limit is ${limits.maxAliases}`);
  if (total > limits.maxCost) throw tooComplex(`Query cost ${total} exceeds the limit of ${limits.maxCost}`);
}
