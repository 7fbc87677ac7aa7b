/**
 * Walks an operation's selections through fragments, typed against the
 * schema. A fragment already on the current path is not entered again, so
 * cyclic fragments (which validation also rejects) cannot loop.
 */
import {
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';

export interface FieldVisit {
  node: FieldNode;
  /** The field's definition, when the schema has it. */
  def: GraphQLField<unknown, unknown> | undefined;
  depth: number;
}

/** Calls `visit` for each field; its return value folds the children's results. */
export function walkSelections<R>(
  schema: GraphQLSchema,
  fragments: Record<string, FragmentDefinitionNode>,
  type: GraphQLNamedType | undefined,
  selectionSet: SelectionSetNode,
  visit: (field: FieldVisit, children: () => R[]) => R,
  depth = 1,
  path: ReadonlySet<string> = new Set(),
): R[] {
  const results: R[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[selection.name.value] : undefined;
      const childType = def ? getNamedType(def.type) : undefined;
      const children = () =>
        selection.selectionSet ? walkSelections(schema, fragments, childType, selection.selectionSet, visit, depth + 1, path) : [];
      results.push(visit({ node: selection, def, depth }, children));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const cond = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
      results.push(...walkSelections(schema, fragments, cond ?? undefined, selection.selectionSet, visit, depth, path));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || path.has(name)) continue;
      const cond = schema.getType(fragment.typeCondition.name.value) ?? undefined;
      results.push(...walkSelections(schema, fragments, cond, fragment.selectionSet, visit, depth, new Set([...path, name])));
    }
  }
  return results;
}
