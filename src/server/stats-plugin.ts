/**
 * Puts the request's counters (SQL statements, L1/L2 hits and misses, Redis
 * round trips, what response reuse did) into `extensions.stats` when the
 * request asks with `x-debug-stats: 1`. Off in production.
 *
 * Reads count their SQL statements through the request's loaders. Writes run
 * through the shared client, so a mutation's statements are the process-wide
 * count's growth while it executed: exact unless other writes or cache misses
 * run at the same moment.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context.js';
import type { RequestStats } from '../observability/request-stats.js';

/**
 * A body sent without Apollo (`{"data":...}` and a newline: a reused
 * response, the lean path's) with this request's stats as its extensions,
 * as the plugin below gives them.
 */
export function withStats(body: string, stats: RequestStats): string {
  return `${body.slice(0, body.lastIndexOf('}'))},"extensions":{"stats":${JSON.stringify(stats)}}}\n`;
}

export function statsPlugin(options: {
  enabled: boolean;
  sqlStatements: () => number;
}): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request }) {
      if (!options.enabled || request.http?.headers.get('x-debug-stats') !== '1') return;
      let writeStart: number | undefined;
      return {
        async executionDidStart({ operation, contextValue }) {
          // Executed already by the lean path, which counted its statements.
          if (operation.operation === 'mutation' && !contextValue.executed)
            writeStart = options.sqlStatements();
        },
        async willSendResponse({ response, contextValue }) {
          if (writeStart !== undefined)
            contextValue.stats.sqlStatements = options.sqlStatements() - writeStart;
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, stats: { ...contextValue.stats } };
        },
      };
    },
  };
}
