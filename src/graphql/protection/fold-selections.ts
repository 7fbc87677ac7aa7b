/**
 * Folds an operation's selections into one number (depth, aliases, cost),
 * typed against the schema and following fragment spreads. Each fragment is
 * folded once per operation and reused wherever it is spread, so a fragment
 * fan-out (A spreads B twice, B spreads C twice, ...) takes linear time
 * however large its expansion. A spread of a fragment still being folded is
 * a cycle: it counts as empty instead of recursing, and graphql's
 * NoFragmentCycles rule reports it.
 */
import {
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FragmentDefinitionNode,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from 'graphql';

export interface FieldVisit {
  node: FieldNode;
  /** The type the field is selected on, when known. */
  parentType: GraphQLCompositeType | undefined;
  /** The field's definition, when the schema has it (unknown fields are reported by other rules). */
  def: GraphQLField<unknown, unknown> | undefined;
}

export interface SelectionFold<R> {
  readonly empty: R;
  /** Combines the results of sibling selections. */
  merge(a: R, b: R): R;
  /** One field's result, given the folded result of its own selections (`empty` for a leaf). */
  field(visit: FieldVisit, children: R): R;
}

/** What the walk needs of a ValidationContext. */
export interface DocumentLookup {
  getSchema(): GraphQLSchema;
  getFragment(name: string): FragmentDefinitionNode | null | undefined;
}

/** Folds `operation` with `fold`. */
export function foldOperation<R>(
  lookup: DocumentLookup,
  operation: OperationDefinitionNode,
  fold: SelectionFold<R>,
): R {
  const schema = lookup.getSchema();
  const done = new Map<string, R>();
  const inProgress = new Set<string>();

  const fragment = (name: string): R => {
    const known = done.get(name);
    if (known !== undefined) return known;
    const definition = lookup.getFragment(name);
    if (!definition || inProgress.has(name)) return fold.empty;
    inProgress.add(name);
    const result = selections(
      definition.selectionSet,
      compositeType(schema, definition.typeCondition.name.value),
    );
    inProgress.delete(name);
    done.set(name, result);
    return result;
  };

  const selections = (set: SelectionSetNode, parentType: GraphQLCompositeType | undefined): R => {
    let result = fold.empty;
    for (const selection of set.selections) {
      let next: R;
      if (selection.kind === Kind.FIELD) {
        const def = parentType && fieldDefinition(schema, parentType, selection.name.value);
        const childType = def ? getNamedType(def.type) : undefined;
        const children = selection.selectionSet
          ? selections(selection.selectionSet, isCompositeType(childType) ? childType : undefined)
          : fold.empty;
        next = fold.field({ node: selection, parentType, def }, children);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? compositeType(schema, selection.typeCondition.name.value)
          : parentType;
        next = selections(selection.selectionSet, type);
      } else {
        next = fragment(selection.name.value);
      }
      result = fold.merge(result, next);
    }
    return result;
  };

  return selections(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
}

function compositeType(schema: GraphQLSchema, name: string): GraphQLCompositeType | undefined {
  const type = schema.getType(name);
  return isCompositeType(type) ? type : undefined;
}

function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  // The meta fields are not in getFields(); resolve them as graphql's TypeInfo does.
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parentType) || isInterfaceType(parentType)
    ? parentType.getFields()[name]
    : undefined;
}
