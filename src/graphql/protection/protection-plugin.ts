/**
 * Apollo Server plugin: runs the protection rules on each operation once it
 * is parsed and validated, with the request's variables, before any
 * resolver runs. A refusal is answered with HTTP 400. The document size
 * (documentSizeError) belongs to the HTTP layer and the token limit to
 * Apollo's `parseOptions` (protectionParseOptions).
 *
 * The verdict depends only on the document and the variables the cost rule
 * reads (those given to multiplier arguments such as `first`), so it is kept
 * per parsed document (Apollo reuses the parsed document of a query text)
 * and the values of those variables only: a repeated operation is not
 * walked again, even when its other variables (an id, a price) change every
 * time.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError, validate } from 'graphql';
import { LRUCache } from 'lru-cache';
import { createProtectionRules } from './create-protection-rules.js';
import { resolveProtectionOptions, type ProtectionOptions } from './limits.js';

/** Verdicts kept per document: one per distinct values of the variables that count, most recent first. */
const VERDICTS_PER_DOCUMENT = 256;

interface DocumentVerdicts {
  /** The variables the rules read for this document (the same for every request of it). */
  counted: Set<string>;
  byValues: LRUCache<string, { error: GraphQLError | null }>;
}

/** The values of the counted variables; an absent variable differs from a null one (its default counts). */
function valuesKey(counted: Set<string>, variables: Record<string, unknown>): string {
  return JSON.stringify(
    [...counted].map((n) => (Object.hasOwn(variables, n) ? [variables[n]] : 0)),
  );
}

/**
 * The protection rules as one check: the first refusal for a document and
 * its variables, or null. Shared by the plugin and the HTTP layer's lean
 * path (src/server/lean-execution.ts), so both keep the same verdicts.
 */
export type ProtectionCheck = (
  schema: Parameters<typeof validate>[0],
  document: DocumentNode,
  variables: Record<string, unknown>,
) => GraphQLError | null;

export function createProtectionCheck(options: Partial<ProtectionOptions> = {}): ProtectionCheck {
  const limits = resolveProtectionOptions(options);
  const verdicts = new WeakMap<DocumentNode, DocumentVerdicts>();
  return (schema, document, variables) => {
    let known = verdicts.get(document);
    if (known) {
      const verdict = known.byValues.get(valuesKey(known.counted, variables));
      if (verdict) return verdict.error;
    } else {
      known = { counted: new Set(), byValues: new LRUCache({ max: VERDICTS_PER_DOCUMENT }) };
      verdicts.set(document, known);
    }
    const counted = known.counted;
    const [error] = validate(
      schema,
      document,
      createProtectionRules({ ...limits, variables, onVariableRead: (n) => counted.add(n) }),
    );
    known.byValues.set(valuesKey(counted, variables), { error: error ?? null });
    return error ?? null;
  };
}

/** The refusal as Apollo Server answers it: HTTP 400 (errors thrown in its hooks are 500s otherwise). */
function refusal(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { status: 400 } },
  });
}

/** The plugin, with its own check or one shared with the lean path. */
export function protectionPlugin<C extends object>(
  options: Partial<ProtectionOptions> | ProtectionCheck = {},
): ApolloServerPlugin<C> {
  const check = typeof options === 'function' ? options : createProtectionCheck(options);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const error = check(schema, document, request.variables ?? {});
          if (error) throw refusal(error);
        },
      };
    },
  };
}
