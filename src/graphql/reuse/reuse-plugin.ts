/**
 * Apollo Server plugin that decides, once the operation is known, whether
 * its response may be reused (a query selecting no `@private` field), and
 * keeps the response when execution succeeded entirely and read only from
 * L1. The HTTP layer serves kept responses (src/server/http.ts). The two
 * steps are also what the lean path (src/server/lean-execution.ts) does for
 * the operations it executes without Apollo.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import type { GraphQLContext } from '../context.js';
import type { ResponseReuse } from './response-reuse.js';
import { isShareable } from './shareable.js';

/** An operation whose response may be kept: its text as sent, its parsed document, and the request's name and variables. */
export interface Keepable {
  text: string;
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: unknown;
}

/**
 * Once the operation is known: the key its response will be kept under, or
 * undefined when it may not be (not `keepable`), which also stops recording
 * its reads and rate-limit checks.
 */
export function startKeeping(
  reuse: ResponseReuse,
  ctx: GraphQLContext,
  keepable: Keepable | undefined,
): string | undefined {
  if (!keepable) {
    ctx.scope.reads = undefined;
    ctx.ledger = undefined;
    return undefined;
  }
  if (ctx.stats.responseReuse === 'off') ctx.stats.responseReuse = 'miss';
  const { text, document, operationName, variables } = keepable;
  return reuse.keyOf(text, document, operationName, variables);
}

/** Keeps a successful response's body (`{"data":...}` and a newline) under `key`, if its reads allow. */
export function keepResponse(
  reuse: ResponseReuse,
  ctx: GraphQLContext,
  key: string,
  body: string,
  operationName: string | null,
): void {
  const reads = ctx.scope.reads;
  if (!reads) return;
  const charges = ctx.ledger?.charges ?? [];
  if (reuse.keep(key, body, reads, { charges, operationName })) ctx.stats.responseReuse = 'stored';
}

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
          const shareable =
            operation &&
            isShareable(schema, document, operation) &&
            typeof request.query === 'string';
          key = startKeeping(
            reuse,
            ctx,
            shareable
              ? {
                  text: request.query!,
                  document,
                  operationName: request.operationName,
                  variables: request.variables,
                }
              : undefined,
          );
        },
        async willSendResponse({ response, contextValue: ctx }) {
          if (!key || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (
            errors?.length ||
            !data ||
            (response.http.status !== undefined && response.http.status !== 200)
          )
            return;
          // The body exactly as Apollo Server writes it (JSON and a newline), without extensions.
          keepResponse(reuse, ctx, key, `${JSON.stringify({ data })}\n`, name);
        },
      };
    },
  };
}
