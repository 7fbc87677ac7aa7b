/**
 * Apollo Server plugin: runs the protection rules on each operation once it
 * is parsed and validated, with the request's variables, before any
 * resolver runs. A refusal is answered with HTTP 400. The document size
 * (documentSizeError) belongs to the HTTP layer and the token limit to
 * Apollo's `parseOptions` (protectionParseOptions).
 *
 * The verdict depends only on the document and the variables, so it is kept
 * per parsed document (Apollo reuses the parsed document of a query text) and
 * variables: a repeated operation is not walked again.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError, validate } from 'graphql';
import { LRUCache } from 'lru-cache';
import { createProtectionRules } from './create-protection-rules.js';
import { resolveProtectionOptions, type ProtectionOptions } from './limits.js';

/** Verdicts kept per document: one per distinct variables, most recent first. */
const VERDICTS_PER_DOCUMENT = 256;

export function protectionPlugin<C extends object>(
  options: Partial<ProtectionOptions> = {},
): ApolloServerPlugin<C> {
  const limits = resolveProtectionOptions(options);
  const verdicts = new WeakMap<DocumentNode, LRUCache<string, { error: GraphQLError | null }>>();
  const check = (
    schema: Parameters<typeof validate>[0],
    document: DocumentNode,
    variables: Record<string, unknown>,
  ) => {
    let byVariables = verdicts.get(document);
    if (!byVariables)
      verdicts.set(document, (byVariables = new LRUCache({ max: VERDICTS_PER_DOCUMENT })));
    const key = JSON.stringify(variables);
    let verdict = byVariables.get(key);
    if (!verdict) {
      const [error] = validate(schema, document, createProtectionRules({ ...limits, variables }));
      byVariables.set(key, (verdict = { error: error ?? null }));
    }
    return verdict.error;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const error = check(schema, document, request.variables ?? {});
          if (!error) return;
          // Apollo answers errors thrown here with 500 unless they carry an HTTP status.
          throw new GraphQLError(error.message, {
            nodes: error.nodes,
            originalError: error.originalError,
            extensions: { ...error.extensions, http: { status: 400 } },
          });
        },
      };
    },
  };
}
