/**
 * Apollo Server plugin that decides, once the operation is known, whether
 * its response may be reused (a query selecting no `@private` field), and
 * keeps the response when execution succeeded entirely and read only from
 * L1. The HTTP layer serves kept responses (src/server/http.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context.js';
import type { ResponseReuse } from './response-reuse.js';
import { isShareable } from './shareable.js';

export function responseReusePlugin(reuse: ResponseReuse): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.scope.reads) return;
      let key: string | undefined;
      let name: string | null = null;
      return {
        async didResolveOperation({
          schema,
          document,
          operation,
          operationName,
          request,
          contextValue: ctx,
        }) {
          name = operationName;
          if (
            !operation ||
            !isShareable(schema, document, operation) ||
            typeof request.query !== 'string'
          ) {
            ctx.scope.reads = undefined;
            ctx.ledger = undefined;
            return;
          }
          key = reuse.keyOf(request.query, document, request.operationName, request.variables);
          if (ctx.stats.responseReuse === 'off') ctx.stats.responseReuse = 'miss';
        },
        async willSendResponse({ response, contextValue: ctx }) {
          const reads = ctx.scope.reads;
          if (!key || !reads || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (
            errors?.length ||
            !data ||
            (response.http.status !== undefined && response.http.status !== 200)
          )
            return;
          // The body exactly as Apollo Server writes it (JSON and a newline), without extensions.
          const body = `${JSON.stringify({ data })}\n`;
          const charges = ctx.ledger?.charges ?? [];
          if (reuse.keep(key, body, reads, { charges, operationName: name }))
            ctx.stats.responseReuse = 'stored';
        },
      };
    },
  };
}
