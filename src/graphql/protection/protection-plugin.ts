/**
 * Apollo Server plugin: runs the protection rules on each operation once it
 * is parsed and validated, with the request's variables, before any
 * resolver runs. A refusal is answered with HTTP 400. The document size
 * (documentSizeError) belongs to the HTTP layer and the token limit to
 * Apollo's `parseOptions` (protectionParseOptions).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, validate } from 'graphql';
import { createProtectionRules } from './create-protection-rules.js';
import { resolveProtectionOptions, type ProtectionOptions } from './limits.js';

export function protectionPlugin<C extends object>(options: Partial<ProtectionOptions> = {}): ApolloServerPlugin<C> {
  const limits = resolveProtectionOptions(options);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const [error] = validate(schema, document, createProtectionRules({ ...limits, variables: request.variables ?? {} }));
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
