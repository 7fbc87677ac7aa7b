/**
 * Apollo Server plugin: checks each operation against the limits after it
 * is parsed and validated, before any resolver runs. (The token limit is a
 * parse option and the document size is checked by the HTTP layer.)
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { ProtectionLimits } from './limits.js';
import { checkOperation } from './rules.js';

export function protectionPlugin<C extends object>(limits: ProtectionLimits): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation) checkOperation(schema, document, operation, request.variables ?? {}, limits);
        },
      };
    },
  };
}
