/**
 * Per-operation observability, in Apollo's request lifecycle (nothing on the
 * per-field path): operation counts and latency by bounded operation name
 * and type, errors by code, the operation name for the request's log line,
 * masked errors logged with their stack and the request id, and the request
 * id added to masked errors so a client's report can be matched to the log.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../errors/codes.js';
import type { GraphQLContext } from '../graphql/context.js';
import { isInternalError } from '../graphql/format-error.js';
import type { Logger } from '../observability/logger.js';
import { countOperation, type Metrics } from '../observability/metrics.js';
import type { OperationLabels } from '../observability/operation-labels.js';

export function observabilityPlugin(options: {
  metrics: Metrics;
  labels: OperationLabels;
  logger: Logger;
}): ApolloServerPlugin<GraphQLContext> {
  const { metrics, labels, logger } = options;
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      // Until Apollo resolves the operation (parse and validation errors), the
      // client's name is unchecked input: it never becomes a label.
      let operation = 'invalid';
      let type = 'unknown';
      return {
        async didResolveOperation({ operationName, operation: op }) {
          operation = labels.label(operationName);
          type = op?.operation ?? 'unknown';
          contextValue.onOperation?.(operationName);
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (isInternalError(error))
              logger.error(
                { requestId: contextValue.requestId, err: unwrapResolverError(error) },
                'internal error while resolving',
              );
          }
        },
        async willSendResponse({ response }) {
          countOperation(metrics, { operation, type }, started);
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!result.errors?.length) return;
          result.errors = result.errors.map((error) => {
            const code =
              typeof error.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN';
            metrics.graphqlErrors.inc({ operation, code });
            return code === ErrorCode.INTERNAL_SERVER_ERROR
              ? { ...error, extensions: { ...error.extensions, requestId: contextValue.requestId } }
              : error;
          });
        },
      };
    },
  };
}
