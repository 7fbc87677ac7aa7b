/**
 * Whether an operation's result can be shared across viewers: a query that
 * selects no `@private` field (per-viewer data such as `me`, a user's email
 * or orders), through any fragment. Decided from the document and the schema
 * alone, once per parsed document.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLField,
  type GraphQLSchema,
  isAbstractType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type GraphQLNamedType,
  isInterfaceType,
} from 'graphql';

const memo = new WeakMap<DocumentNode, Map<string, boolean>>();

export function isShareable(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): boolean {
  let byOperation = memo.get(document);
  if (!byOperation) memo.set(document, (byOperation = new Map()));
  const name = operation.name?.value ?? '';
  let shareable = byOperation.get(name);
  if (shareable === undefined) {
    shareable = operation.operation === 'query' && !selectsPrivate(schema, document, operation);
    byOperation.set(name, shareable);
  }
  return shareable;
}

function selectsPrivate(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const visited = new Set<string>();
  const walk = (types: readonly GraphQLNamedType[], selectionSet: SelectionSetNode): boolean => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        for (const type of types) {
          const field = fieldOf(type, selection.name.value);
          if (!field) continue;
          if (field.astNode?.directives?.some((d) => d.name.value === 'private')) return true;
          if (
            selection.selectionSet &&
            walk(possibleTypes(schema, getNamedType(field.type)), selection.selectionSet)
          )
            return true;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : undefined;
        if (walk(condition ? possibleTypes(schema, condition) : types, selection.selectionSet))
          return true;
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visited.has(name)) continue;
        visited.add(name);
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (condition && walk(possibleTypes(schema, condition), fragment.selectionSet)) return true;
      }
    }
    return false;
  };
  const root = schema.getRootType(operation.operation);
  // Unknown root: not ours to judge; treat as private so it is never shared.
  return !root || walk([root], operation.selectionSet);
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

function possibleTypes(schema: GraphQLSchema, type: GraphQLNamedType): readonly GraphQLNamedType[] {
  return isAbstractType(type) ? [type, ...schema.getPossibleTypes(type)] : [type];
}
