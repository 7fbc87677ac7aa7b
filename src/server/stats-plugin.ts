/**
 * Puts the request's counters (SQL statements, L1/L2 hits and misses, Redis
 * round trips) into `extensions.stats` when the request asks with
 * `x-debug-stats: 1`. Off in production.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context.js';

export function statsPlugin(options: { enabled: boolean }): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request }) {
      if (!options.enabled || request.http?.headers.get('x-debug-stats') !== '1') return;
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, stats: { ...contextValue.stats } };
        },
      };
    },
  };
}
