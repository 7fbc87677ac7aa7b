/**
 * Query cost. Every field costs its `@cost(weight)` (1 without the
 * directive). A field whose `@cost(multipliers)` names arguments, such as
 * `first`, multiplies the cost of everything below it by their values, taken
 * from literals or from the request's variables; an absent or null argument
 * counts as its SDL default, else as `defaultMultiplier` (the default page
 * size). Inline fragments on different types are summed: an upper bound.
 */
import { getDirective } from '@graphql-tools/utils';
import {
  type FieldNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
  valueFromASTUntyped,
} from 'graphql';
import { foldOperation, type SelectionFold } from './fold-selections.js';
import { queryTooComplex } from './query-too-complex.js';

export interface CostRuleOptions {
  maxCost: number;
  defaultMultiplier: number;
  /**
   * The request's variables. Without them a variable counts as its declared
   * default, so rules built without variables cannot see `first: $n`.
   */
  variables?: Readonly<Record<string, unknown>>;
  /**
   * Told the name of every variable the cost was computed from (those given
   * to multiplier arguments), so a caller can keep a verdict per document
   * and the values of those variables only.
   */
  onVariableRead?: (name: string) => void;
}

interface CostSpec {
  weight: number;
  multipliers: string[];
}

const NO_COST_DIRECTIVE: CostSpec = { weight: 1, multipliers: [] };

/** Refuses operations whose cost exceeds `maxCost`. */
export function costLimitRule(options: CostRuleOptions): ValidationRule {
  return (context) => {
    const schema = context.getSchema();
    // @cost is read once per field definition and validation, not once per selection.
    const specs = new Map<GraphQLField<unknown, unknown>, CostSpec>();
    const specOf = (def: GraphQLField<unknown, unknown> | undefined): CostSpec => {
      if (!def) return NO_COST_DIRECTIVE;
      let spec = specs.get(def);
      if (!spec) specs.set(def, (spec = readCost(schema, def)));
      return spec;
    };
    return {
      OperationDefinition(operation) {
        const given = { ...declaredDefaults(operation), ...options.variables };
        const read = options.onVariableRead;
        const variables = read
          ? new Proxy(given, {
              get: (target, name) => {
                if (typeof name === 'string') read(name);
                return target[name as string];
              },
            })
          : given;
        const fold: SelectionFold<number> = {
          empty: 0,
          merge: (a, b) => a + b,
          field: ({ node, def }, children) => {
            const { weight, multipliers } = specOf(def);
            let factor = 1;
            for (const name of multipliers)
              factor *= multiplier(node, def, name, variables, options.defaultMultiplier);
            return weight + factor * children;
          },
        };
        const cost = foldOperation(context, operation, fold);
        if (cost > options.maxCost) {
          context.reportError(
            queryTooComplex(
              `Query cost ${Math.ceil(cost)} exceeds the limit of ${options.maxCost}`,
              operation,
            ),
          );
        }
        return false;
      },
    };
  };
}

function readCost(schema: GraphQLSchema, def: GraphQLField<unknown, unknown>): CostSpec {
  const declared = getDirective(schema, def, 'cost')?.[0];
  if (!declared) return NO_COST_DIRECTIVE;
  return {
    weight: Number(declared.weight ?? 1),
    multipliers: (declared.multipliers as string[] | null | undefined) ?? [],
  };
}

/** The operation's variable defaults, so `query($n: Int = 100000)` cannot hide its list size. */
function declaredDefaults(operation: OperationDefinitionNode): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue)
      defaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  return defaults;
}

function multiplier(
  node: FieldNode,
  def: GraphQLField<unknown, unknown> | undefined,
  name: string,
  variables: Record<string, unknown>,
  fallback: number,
): number {
  const argument = node.arguments?.find((a) => a.name.value === name);
  const value = argument
    ? valueFromASTUntyped(argument.value, variables)
    : def?.args.find((a) => a.name === name)?.defaultValue;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  // A list argument (e.g. ids) multiplies by its length.
  if (Array.isArray(value)) return value.length;
  return fallback;
}
