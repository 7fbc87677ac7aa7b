/**
 * The request's view of the Prisma client: every read a loader makes through
 * it counts one SQL statement for the request. Loader reads are single
 * statements (findMany without includes, count, groupBy, one raw query, never
 * inside a transaction); the statement-count tests check this count against
 * the statements seen on the PostgreSQL wire.
 *
 * A per-request view rather than AsyncLocalStorage, whose promise hooks would
 * tax every promise of every request.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { RequestStats } from '../observability/request-stats.js';

type AnyFunction = (...args: unknown[]) => unknown;

export function countingReads(prisma: PrismaClient, stats: RequestStats): PrismaClient {
  const delegates = new Map<string | symbol, object>();
  const counted =
    (fn: AnyFunction, self: object) =>
    (...args: unknown[]) => {
      stats.sqlStatements++;
      return fn.apply(self, args);
    };
  return new Proxy(prisma, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === '$queryRaw' || prop === '$queryRawUnsafe')
        return counted(value as AnyFunction, target);
      if (
        typeof prop !== 'string' ||
        prop.startsWith('$') ||
        typeof value !== 'object' ||
        value === null
      )
        return value;
      let delegate = delegates.get(prop);
      if (!delegate) {
        delegate = new Proxy(value, {
          get: (model, method) => {
            const fn: unknown = Reflect.get(model, method, model);
            return typeof fn === 'function' ? counted(fn as AnyFunction, model) : fn;
          },
        });
        delegates.set(prop, delegate);
      }
      return delegate;
    },
  });
}
