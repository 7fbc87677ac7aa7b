/**
 * A request refused entirely by rate limits (every error RATE_LIMITED and no
 * data) is answered with HTTP 429 and Retry-After, so plain HTTP clients and
 * proxies understand it too.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../errors/codes.js';

export function rateLimitStatusPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { errors, data } = response.body.singleResult;
          if (
            !errors?.length ||
            !errors.every((e) => e.extensions?.code === ErrorCode.RATE_LIMITED)
          )
            return;
          if (data && Object.values(data).some((v) => v !== null)) return;
          const retry = Math.max(...errors.map((e) => Number(e.extensions?.retryAfter) || 1));
          response.http.status = 429;
          response.http.headers.set('retry-after', String(retry));
        },
      };
    },
  };
}
